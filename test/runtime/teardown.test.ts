// Teardown order and starts still in flight when a build fails (sim/runtime/teardown.ts).
import { describe, expect, it } from 'vitest';
import { Teardown } from '../../sim/runtime/teardown.ts';

describe('Teardown', () => {
  it('runs steps newest first, keeps going past failures, and runs once', async () => {
    const teardown = new Teardown();
    const order: string[] = [];
    teardown.add('a', () => {
      order.push('a');
    });
    teardown.add('b', () => {
      throw new Error('boom');
    });
    teardown.add('c', async () => {
      order.push('c');
    });
    const errors = await teardown.run();
    expect(order).toEqual(['c', 'a']);
    expect(errors.map((e) => e.message)).toEqual(['teardown of b failed: boom']);
    expect(await teardown.run()).toBe(errors);
    expect(order).toEqual(['c', 'a']);
  });

  it('waits for a start in flight, so the step it adds when it comes up still runs', async () => {
    const teardown = new Teardown();
    const order: string[] = [];
    let finishStart!: () => void;
    const start = new Promise<void>((resolve) => {
      finishStart = resolve;
    }).then(() =>
      teardown.add('late worker', () => {
        order.push('late worker');
      }),
    );
    teardown.waitFor(start);
    teardown.add('early', () => {
      order.push('early');
    });
    const running = teardown.run();
    setTimeout(finishStart, 20);
    await running;
    expect(order).toEqual(['late worker', 'early']);
  });

  it('a start that fails does not stop the others', async () => {
    const teardown = new Teardown();
    const order: string[] = [];
    const failing = Promise.reject(new Error('did not start'));
    failing.catch(() => undefined);
    teardown.waitFor(failing);
    teardown.add('other', () => {
      order.push('other');
    });
    expect(await teardown.run()).toEqual([]);
    expect(order).toEqual(['other']);
  });
});
