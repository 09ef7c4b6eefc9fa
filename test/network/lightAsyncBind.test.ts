import { AsyncResource, executionAsyncId, triggerAsyncId } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { installLightAsyncBind, lightAsyncBind } from '../../sim/network/lightAsyncBind.ts';

// The replacement must do what AsyncResource.prototype.bind does (lib/async_hooks.js), minus the deprecated
// `asyncResource` accessor: run fn in the resource's scope, with the caller's `this` (or thisArg) and arguments.
describe('lightAsyncBind (sim/network/lightAsyncBind.ts)', () => {
  it('runs the function in the resource async scope, like AsyncResource.bind', () => {
    const resource = new AsyncResource('test');
    const seen = (): [number, number] => [executionAsyncId(), triggerAsyncId()];
    const light = lightAsyncBind.call(resource, seen as (...args: unknown[]) => unknown) as () => [number, number];
    const native = resource.bind(seen);
    expect(light()).toEqual(native());
    expect(light()[0]).toBe(resource.asyncId());
  });

  it('passes the caller this and the arguments, or a fixed thisArg, and keeps length', () => {
    const resource = new AsyncResource('test');
    function f(this: unknown, a: unknown, b: unknown) {
      return { self: this, args: [a, b] };
    }
    const light = lightAsyncBind.call(resource, f as (...args: unknown[]) => unknown);
    const receiver = { name: 'receiver' };
    expect(light.call(receiver, 1, 2)).toEqual({ self: receiver, args: [1, 2] });
    const fixed = { name: 'fixed' };
    expect(lightAsyncBind.call(resource, f as (...args: unknown[]) => unknown, fixed).call(receiver, 3, 4)).toEqual({ self: fixed, args: [3, 4] });
    expect(light.length).toBe(2);
    expect(Object.prototype.hasOwnProperty.call(light, 'asyncResource')).toBe(false);
  });

  it('rejects a non-function as Node does', () => {
    const resource = new AsyncResource('test');
    expect(() => lightAsyncBind.call(resource, 42 as unknown as () => void)).toThrow(/must be of type function/);
  });

  it('is never installed on the main thread', () => {
    const before = AsyncResource.prototype.bind;
    expect(installLightAsyncBind()).toBe(false);
    expect(AsyncResource.prototype.bind).toBe(before);
  });
});
