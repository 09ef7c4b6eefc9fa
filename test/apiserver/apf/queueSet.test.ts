// The fair-queuing QueueSet (queueset.go) driven directly with a fake clock: fair shares of seat-seconds between
// flows, dispatch only when the seats fit, queue-full, the final-seats phase, Reject and Exempt sets.
import { describe, expect, it } from 'vitest';
import { Dealer, FakeClock, QueueSet, hashFlowId, type QueueSetRequest, type WorkEstimate } from '../../../sim/apiserver/apf/index.ts';

const seats = (initialSeats: number, finalSeats = 0, additionalLatencyMs = 0): WorkEstimate => ({ initialSeats, finalSeats, additionalLatencyMs });

/** Flow hashes whose hands (handSize 1) land on pairwise different queues. */
function distinctFlows(n: number, queues: number): bigint[] {
  const dealer = Dealer.create(queues, 1);
  const used = new Set<number>();
  const out: bigint[] = [];
  for (let i = 0; out.length < n; i++) {
    const h = hashFlowId('fs', `flow-${i}`);
    const q = dealer.dealIntoHand(h)[0]!;
    if (used.has(q)) continue;
    used.add(q);
    out.push(h);
  }
  return out;
}

interface Flow {
  hash: bigint;
  work: WorkEstimate;
  durationMs: number;
  completed: number;
  seatSeconds: number;
}

/** Closed-loop clients: each flow keeps `backlog` requests in the system; a finished request is replaced at once. */
function runClosedLoop(qs: QueueSet, clock: FakeClock, flows: Flow[], backlog: number, forMs: number, check?: () => void): void {
  const start = (flow: Flow) => {
    const r = qs.startRequest({
      work: flow.work,
      hashValue: flow.hash,
      flowDistinguisher: String(flow.hash),
      fsName: 'fs',
      onDispatch: (req: QueueSetRequest) => {
        check?.();
        clock.setTimeout(() => {
          qs.finish(req);
          flow.completed++;
          flow.seatSeconds += (flow.work.initialSeats * flow.durationMs) / 1000;
          start(flow);
        }, flow.durationMs);
      },
    });
    expect(typeof r).not.toBe('string');
  };
  for (const flow of flows) for (let i = 0; i < backlog; i++) start(flow);
  clock.advance(forMs);
}

describe('fair queuing', () => {
  it('gives two flows with equal backlog equal seat-seconds', () => {
    const clock = new FakeClock(0);
    const qs = new QueueSet({ name: 'pl', kind: 'queue', queues: 64, handSize: 1, queueLengthLimit: 1000 }, clock);
    qs.setConcurrencyLimit(10);
    const [h1, h2] = distinctFlows(2, 64);
    // flow 2 sends three times as many requests at once; fairness must not care
    const f1: Flow = { hash: h1!, work: seats(1), durationMs: 100, completed: 0, seatSeconds: 0 };
    const f2: Flow = { hash: h2!, work: seats(1), durationMs: 100, completed: 0, seatSeconds: 0 };
    runClosedLoop(qs, clock, [f1, f2], 30, 60_000);
    // 60 s x 10 seats = 600 seat-seconds in total, 300 each in the ideal; allow 2%.
    expect(f1.seatSeconds + f2.seatSeconds).toBeGreaterThan(590);
    expect(Math.abs(f1.seatSeconds - f2.seatSeconds) / 300).toBeLessThan(0.02);
  });

  it('charges by seats: a flow of 2-seat requests gets half as many requests as a flow of 1-seat requests', () => {
    const clock = new FakeClock(0);
    const qs = new QueueSet({ name: 'pl', kind: 'queue', queues: 64, handSize: 1, queueLengthLimit: 1000 }, clock);
    qs.setConcurrencyLimit(10);
    const [h1, h2] = distinctFlows(2, 64);
    const narrow: Flow = { hash: h1!, work: seats(1), durationMs: 100, completed: 0, seatSeconds: 0 };
    const wide: Flow = { hash: h2!, work: seats(2), durationMs: 100, completed: 0, seatSeconds: 0 };
    runClosedLoop(qs, clock, [narrow, wide], 40, 60_000);
    const ratio = narrow.completed / wide.completed;
    expect(ratio).toBeGreaterThan(1.9);
    expect(ratio).toBeLessThan(2.1);
    expect(Math.abs(narrow.seatSeconds - wide.seatSeconds) / ((narrow.seatSeconds + wide.seatSeconds) / 2)).toBeLessThan(0.05);
  });

  it('charges by actual duration: a flow of slow requests gets fewer of them', () => {
    const clock = new FakeClock(0);
    const qs = new QueueSet({ name: 'pl', kind: 'queue', queues: 64, handSize: 1, queueLengthLimit: 1000 }, clock);
    qs.setConcurrencyLimit(8);
    const [h1, h2] = distinctFlows(2, 64);
    const fast: Flow = { hash: h1!, work: seats(1), durationMs: 50, completed: 0, seatSeconds: 0 };
    const slow: Flow = { hash: h2!, work: seats(1), durationMs: 200, completed: 0, seatSeconds: 0 };
    runClosedLoop(qs, clock, [fast, slow], 40, 60_000);
    expect(Math.abs(fast.seatSeconds - slow.seatSeconds) / ((fast.seatSeconds + slow.seatSeconds) / 2)).toBeLessThan(0.05);
    expect(fast.completed / slow.completed).toBeGreaterThan(3.6);
  });

  it('dispatches only while the seats fit the limit', () => {
    const clock = new FakeClock(0);
    const qs = new QueueSet({ name: 'pl', kind: 'queue', queues: 16, handSize: 4, queueLengthLimit: 100 }, clock);
    qs.setConcurrencyLimit(7);
    const flows: Flow[] = distinctFlows(4, 16).map((hash, i) => ({
      hash,
      work: seats(1 + (i % 3) * 2),
      durationMs: 30 + 20 * i,
      completed: 0,
      seatSeconds: 0,
    }));
    let maxSeen = 0;
    runClosedLoop(qs, clock, flows, 10, 20_000, () => {
      const s = qs.snapshot();
      maxSeen = Math.max(maxSeen, s.seatsInUse);
    });
    expect(maxSeen).toBeLessThanOrEqual(7);
    expect(maxSeen).toBeGreaterThanOrEqual(6);
    expect(flows.every((f) => f.completed > 0)).toBe(true);
  });
});

describe('queue set mechanics', () => {
  it('dispatches the queue whose head would finish first in virtual time (nextDispatchR + its work)', () => {
    const clock = new FakeClock(0);
    const qs = new QueueSet({ name: 'pl', kind: 'queue', queues: 64, handSize: 1, queueLengthLimit: 50 }, clock);
    qs.setConcurrencyLimit(1);
    const dealer = Dealer.create(64, 1);
    const [lowQueue, highQueue] = distinctFlows(2, 64).sort((a, b) => dealer.dealIntoHand(a)[0]! - dealer.dealIntoHand(b)[0]!);
    const blocker = qs.startRequest({ work: seats(1), hashValue: 0n, flowDistinguisher: 'z', fsName: 'fs' }) as QueueSetRequest;
    // same arrival R; the lower-index queue holds a request with 1 s of final work, the other a plain one
    const heavy = qs.startRequest({ work: seats(1, 1, 1000), hashValue: lowQueue!, flowDistinguisher: 'h', fsName: 'fs' }) as QueueSetRequest;
    const light = qs.startRequest({ work: seats(1), hashValue: highQueue!, flowDistinguisher: 'l', fsName: 'fs' }) as QueueSetRequest;
    qs.finish(blocker);
    expect(light.state).toBe('executing');
    expect(heavy.state).toBe('waiting');
  });

  it('rejects queue-full only when all seats are busy and the chosen queue is at its length limit', () => {
    const clock = new FakeClock(0);
    const qs = new QueueSet({ name: 'pl', kind: 'queue', queues: 1, handSize: 1, queueLengthLimit: 2 }, clock);
    qs.setConcurrencyLimit(1);
    const start = () => qs.startRequest({ work: seats(1), hashValue: 0n, flowDistinguisher: '', fsName: 'fs' });
    const first = start();
    expect(typeof first !== 'string' && first.state).toBe('executing');
    expect(typeof start()).not.toBe('string');
    expect(typeof start()).not.toBe('string');
    expect(start()).toBe('queue-full');
    expect(qs.snapshot()).toMatchObject({ waiting: 2, executing: 1, seatsInUse: 1, seatsWaiting: 2 });
  });

  it('holds max(initial, final) seats through the final phase, narrowing final seats to the limit', () => {
    const clock = new FakeClock(0);
    const qs = new QueueSet({ name: 'pl', kind: 'queue', queues: 8, handSize: 2, queueLengthLimit: 50 }, clock);
    qs.setConcurrencyLimit(4);
    const dispatched: QueueSetRequest[] = [];
    const a = qs.startRequest({
      work: seats(1, 3, 5),
      hashValue: 1n,
      flowDistinguisher: 'a',
      fsName: 'fs',
      onDispatch: (r) => dispatched.push(r),
    }) as QueueSetRequest;
    expect(qs.snapshot().seatsInUse).toBe(3);
    clock.advance(10);
    qs.finish(a);
    expect(qs.snapshot()).toMatchObject({ executing: 0, seatsInUse: 3 });
    clock.advance(4);
    expect(qs.snapshot().seatsInUse).toBe(3);
    clock.advance(1);
    expect(qs.snapshot().seatsInUse).toBe(0);
    // 10 final seats x 5 ms over a limit of 4: 4 seats for 12.5 ms, queued behind a running request first
    const blocker = qs.startRequest({ work: seats(1), hashValue: 2n, flowDistinguisher: 'b', fsName: 'fs' }) as QueueSetRequest;
    const wide = qs.startRequest({ work: seats(1, 10, 5), hashValue: 3n, flowDistinguisher: 'c', fsName: 'fs' }) as QueueSetRequest;
    expect(wide.state).toBe('waiting');
    qs.finish(blocker);
    expect(wide.state).toBe('executing');
    expect(wide.work.finalSeats).toBe(4);
    expect(wide.work.additionalLatencyMs).toBe(12.5);
    expect(qs.snapshot()).toMatchObject({ seatsInUse: 4, seatsWaiting: 0, waiting: 0 });
    qs.finish(wide);
    clock.advance(12.5);
    expect(qs.snapshot()).toMatchObject({ seatsInUse: 0, seatsWaiting: 0, executing: 0, waiting: 0 });
  });

  it('lets a request wider than the limit run alone', () => {
    const clock = new FakeClock(0);
    const qs = new QueueSet({ name: 'pl', kind: 'queue', queues: 4, handSize: 1, queueLengthLimit: 50 }, clock);
    qs.setConcurrencyLimit(3);
    const small = qs.startRequest({ work: seats(1), hashValue: 5n, flowDistinguisher: 'x', fsName: 'fs' }) as QueueSetRequest;
    const big = qs.startRequest({ work: seats(5), hashValue: 6n, flowDistinguisher: 'y', fsName: 'fs' }) as QueueSetRequest;
    expect(big.state).toBe('waiting');
    qs.finish(small);
    expect(big.state).toBe('executing');
    expect(qs.snapshot().seatsInUse).toBe(5);
    qs.finish(big);
    expect(qs.snapshot().seatsInUse).toBe(0);
  });

  it('removes a cancelled waiting request and keeps the totals exact', () => {
    const clock = new FakeClock(0);
    const qs = new QueueSet({ name: 'pl', kind: 'queue', queues: 4, handSize: 2, queueLengthLimit: 50 }, clock);
    qs.setConcurrencyLimit(1);
    const running = qs.startRequest({ work: seats(1), hashValue: 9n, flowDistinguisher: 'x', fsName: 'fs' }) as QueueSetRequest;
    const waiting = qs.startRequest({ work: seats(1, 2, 5), hashValue: 10n, flowDistinguisher: 'y', fsName: 'fs' }) as QueueSetRequest;
    expect(qs.snapshot()).toMatchObject({ waiting: 1, seatsWaiting: 2 });
    expect(qs.cancelWaiting(waiting)).toBe(true);
    expect(qs.cancelWaiting(waiting)).toBe(false);
    expect(qs.snapshot()).toMatchObject({ waiting: 0, seatsWaiting: 0, seatsInUse: 1 });
    qs.finish(running);
    qs.finish(running);
    expect(qs.snapshot()).toMatchObject({ executing: 0, seatsInUse: 0 });
    expect(qs.isIdle()).toBe(true);
  });

  it('rejects concurrency-limit in a Reject set and never limits an Exempt set', () => {
    const clock = new FakeClock(0);
    const reject = new QueueSet({ name: 'catch-all', kind: 'reject' }, clock);
    reject.setConcurrencyLimit(2);
    const r1 = reject.startRequest({ work: seats(2), hashValue: 0n, flowDistinguisher: '', fsName: 'fs' });
    expect(typeof r1).not.toBe('string');
    expect(reject.startRequest({ work: seats(1), hashValue: 0n, flowDistinguisher: '', fsName: 'fs' })).toBe('concurrency-limit');
    reject.finish(r1 as QueueSetRequest);
    expect(typeof reject.startRequest({ work: seats(1), hashValue: 0n, flowDistinguisher: '', fsName: 'fs' })).not.toBe('string');
    const exempt = new QueueSet({ name: 'exempt', kind: 'exempt' }, clock);
    exempt.setConcurrencyLimit(0);
    for (let i = 0; i < 100; i++)
      expect(typeof exempt.startRequest({ work: seats(10), hashValue: 0n, flowDistinguisher: '', fsName: 'fs' })).not.toBe('string');
    expect(exempt.snapshot().seatsInUse).toBe(1000);
  });
});
