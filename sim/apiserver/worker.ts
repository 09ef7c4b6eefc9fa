// Runs the shoot's kube-apiserver control plane (all replicas and the shared store) in its own worker thread.
import { isMainThread } from 'node:worker_threads';
import { serveInWorker } from '../runtime/serveInWorker.ts';
import { controlPlaneComponent } from './controlPlane.ts';

if (!isMainThread) serveInWorker(controlPlaneComponent);
