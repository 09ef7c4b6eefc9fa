// A cheaper AsyncResource.prototype.bind for worker threads that send many HTTP/2 requests: the gateway pods'
// upstream side and the client pods (docs/performance.md#gateway).
//
// Node 20's ClientHttp2Session.request() (lib/internal/http2/core.js, v20.x) runs, for every upstream request,
//   const onConnect = new AsyncResource('PendingRequest').bind(requestOnConnect.bind(stream, headersList, options));
// and AsyncResource.prototype.bind (lib/async_hooks.js) defines on each bound function the `asyncResource` accessor
// that DEP0172 deprecates, whose getter and setter are two fresh util.deprecate() wrappers. A CPU profile of the
// gateway at saturation put 9 % of the thread's busy time and 11 % of its allocation in that one call.
//
// The replacement keeps what the bound function does (run `fn` in the resource's async scope with the same `this`
// and arguments, same `length`) and leaves out only the deprecated property, which nothing in this thread reads. It
// is installed only where Node still defines that property (a Node that dropped it needs nothing), and only in a
// worker thread, so a host process that merely imports the gateway module for its descriptor is never changed.
import { AsyncResource } from 'node:async_hooks';
import { isMainThread } from 'node:worker_threads';

/** Whether it is in place in this thread, once decided (it is called for every transport). */
let installed: boolean | undefined;

/** True when this Node's AsyncResource.bind adds the deprecated `asyncResource` property (Node 20). */
export function bindAddsDeprecatedProperty(): boolean {
  const probe = new AsyncResource('probe').bind(() => undefined);
  return Object.prototype.hasOwnProperty.call(probe, 'asyncResource');
}

export function lightAsyncBind<F extends (...args: unknown[]) => unknown>(this: AsyncResource, fn: F, thisArg?: unknown): F {
  if (typeof fn !== 'function') throw new TypeError(`The "fn" argument must be of type function. Received ${typeof fn}`);
  const bound = thisArg === undefined ? inScopeWithCallerThis(this, fn) : this.runInAsyncScope.bind(this, fn, thisArg);
  Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, value: fn.length, writable: false });
  return bound as F;
}

/** Returned, not assigned: an anonymous function gets no name definition from the tsx loader (keepNames). */
function inScopeWithCallerThis(resource: AsyncResource, fn: (...args: unknown[]) => unknown) {
  return function (this: unknown, ...args: unknown[]) {
    return resource.runInAsyncScope(fn, this, ...args);
  };
}

/** Installs lightAsyncBind in this worker thread's isolate, once. Returns whether it is in place. */
export function installLightAsyncBind(): boolean {
  if (installed !== undefined) return installed;
  installed = !isMainThread && bindAddsDeprecatedProperty();
  if (installed) (AsyncResource.prototype as unknown as { bind: typeof lightAsyncBind }).bind = lightAsyncBind;
  return installed;
}
