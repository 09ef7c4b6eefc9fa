import { Worker } from 'node:worker_threads';
// like serveInWorker: histogram created at module load, messages handled in an async listener, block via a call
const w = new Worker(
  `
const { parentPort } = require('node:worker_threads');
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');
const h = monitorEventLoopDelay({ resolution: 10 }); h.enable();
parentPort.on('message', async (m) => {
  if (m === 'reset') { h.reset(); parentPort.postMessage('ok'); }
  else if (m === 'block') { const v = await (() => { const u = performance.now() + 300; while (performance.now() < u); return 1; })(); parentPort.postMessage('blocked'); }
  else parentPort.postMessage({ count: h.count, max: h.max / 1e6 });
});`,
  { eval: true },
);
const next = () => new Promise((r) => w.once('message', r));
w.postMessage('reset');
await next();
w.postMessage('block');
await next();
for (let i = 0; i < 5; i++) {
  w.postMessage('x');
  console.log(await next());
  await new Promise((r) => setTimeout(r, 100));
}
w.terminate();
