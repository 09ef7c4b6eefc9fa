// Entry point of every simulator worker thread. Worker threads do not inherit the TypeScript loader of the
// main thread (tsx or vitest), so register tsx here and then load the component module named by the host.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
