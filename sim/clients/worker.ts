// Runs a group of client pods in its own worker thread.
import './clients.ts';
