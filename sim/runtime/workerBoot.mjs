// Entry point of every simulator worker thread. Worker threads do not inherit the TypeScript loader of the main
// thread (tsx or vitest), so register tsx here, load the component module named by the host, and serve its
// default export (the component's descriptor, sim/runtime/component.ts).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const [{ serveInWorker }, module] = await Promise.all([import('./serveInWorker.ts'), import(workerData.entry)]);
if (!module.default || typeof module.default.start !== 'function') {
  throw new Error(`${workerData.entry} does not default-export a component descriptor (defineComponent)`);
}
serveInWorker(module.default);
