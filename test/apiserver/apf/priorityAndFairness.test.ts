// The facade the replica calls: wait limits at exactly a quarter of the deadline (fake clock), cancellation,
// rejections with Retry-After and the PF headers, watches' initialization, exemption, and exact seat accounting
// under a randomized load (cross-checked against the metrics gauges).
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ApfMetrics, ApfRejection, FakeClock, PriorityAndFairness, type ExecutionLease, type RequestDigest } from '../../../sim/apiserver/apf/index.ts';
import { everyoneTo, flush, prng, queuedLevel, resourceDigest, saDigest } from './helpers.ts';

const user = (name: string) => resourceDigest(name, ['system:authenticated'], 'get', 'pods', { namespace: 'ns', name: 'p' });

/** serverCL 10: 'lvl' gets 5 seats, catch-all 5, and borrowing cannot move them (nothing is lendable). */
function smallApf(extra: { requestTimeoutMs?: number; metrics?: ApfMetrics } = {}) {
  const clock = new FakeClock(1_000_000);
  const apf = new PriorityAndFairness({
    clock,
    serverConcurrencyLimit: 10,
    configurationBase: 'empty',
    priorityLevels: [queuedLevel('lvl', 5, 4, 2, 50)],
    flowSchemas: [everyoneTo('everyone', 'lvl')],
    ...extra,
  });
  return { clock, apf, level: () => apf.snapshot().find((s) => s.name === 'lvl')! };
}

function track<T>(p: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const s: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  p.then(
    (v) => Object.assign(s, { settled: true, value: v }),
    (e) => Object.assign(s, { settled: true, error: e }),
  );
  return s;
}

async function fill(apf: PriorityAndFairness, n: number): Promise<ExecutionLease[]> {
  const leases: ExecutionLease[] = [];
  for (let i = 0; i < n; i++) leases.push(await apf.dispatch(user(`filler-${i}`)));
  return leases;
}

describe('wait limit', () => {
  it('rejects a queued request with time-out exactly a quarter of the 60 s request timeout after it arrived', async () => {
    const { clock, apf, level } = smallApf();
    expect(level().currentCL).toBe(5);
    await fill(apf, 5);
    const waiting = track(apf.dispatch(user('late')));
    await flush();
    expect(level().waiting).toBe(1);
    clock.advance(14_999);
    await flush();
    expect(waiting.settled).toBe(false);
    clock.advance(1);
    await flush();
    expect(waiting.error).toBeInstanceOf(ApfRejection);
    const rej = waiting.error as ApfRejection;
    expect(rej.reason).toBe('time-out');
    expect(rej.statusCode).toBe(429);
    expect(rej.retryAfterSeconds).toBe(1);
    expect(rej.headers['Retry-After']).toBe('1');
    expect(rej.headers['X-Kubernetes-PF-FlowSchema-UID']).toBe(rej.classification.flowSchema.metadata.uid);
    expect(rej.headers['X-Kubernetes-PF-PriorityLevel-UID']).toBe(rej.classification.priorityLevel.metadata.uid);
    expect(rej.body).toBe('Too many requests, please try again later.\n');
    expect(level()).toMatchObject({ waiting: 0, seatsWaiting: 0, executing: 5, seatsInUse: 5 });
    apf.close();
  });

  it('derives the limit from ?timeout=, the received time, the 1 minute cap, and uses RequestTimeout/4 for watches', async () => {
    const cases: Array<{ name: string; digest: RequestDigest; requestTimeoutMs?: number; userTimeoutMs?: number; receivedAgoMs?: number; expectMs: number }> = [
      { name: '?timeout=8s', digest: user('a'), userTimeoutMs: 8_000, expectMs: 2_000 },
      { name: '?timeout above the server limit', digest: user('a'), userTimeoutMs: 120_000, expectMs: 15_000 },
      { name: 'received 5 s ago', digest: user('a'), receivedAgoMs: 5_000, expectMs: 10_000 },
      { name: '--request-timeout=400s, capped', digest: user('a'), requestTimeoutMs: 400_000, expectMs: 60_000 },
      { name: 'watch', digest: resourceDigest('w', ['system:authenticated'], 'watch', 'pods'), expectMs: 15_000 },
      {
        name: 'watch, --request-timeout=20s',
        digest: resourceDigest('w', ['system:authenticated'], 'watch', 'pods'),
        requestTimeoutMs: 20_000,
        expectMs: 5_000,
      },
    ];
    for (const c of cases) {
      const { clock, apf } = smallApf(c.requestTimeoutMs ? { requestTimeoutMs: c.requestTimeoutMs } : {});
      await fill(apf, 5);
      const t0 = clock.now();
      const opts = { ...(c.userTimeoutMs ? { userTimeoutMs: c.userTimeoutMs } : {}), ...(c.receivedAgoMs ? { receivedAtMs: t0 - c.receivedAgoMs } : {}) };
      const waiting = track(apf.dispatch(c.digest, undefined, opts));
      clock.advance(c.expectMs - 1);
      await flush();
      expect(waiting.settled, c.name).toBe(false);
      clock.advance(1);
      await flush();
      expect((waiting.error as ApfRejection).reason, c.name).toBe('time-out');
      apf.close();
    }
  });

  it('dispatches a queued request when seats free up before the limit, and reports its wait', async () => {
    const { clock, apf } = smallApf();
    const leases = await fill(apf, 5);
    const waiting = track(apf.dispatch(user('late')));
    clock.advance(3_000);
    leases[0]!.finish();
    await flush();
    expect((waiting.value as ExecutionLease).waitedMs).toBe(3_000);
    clock.advance(60_000);
    await flush();
    expect(waiting.error).toBeUndefined();
    apf.close();
  });
});

describe('rejections and leases', () => {
  it('rejects a client that goes away while queued as cancelled', async () => {
    const { apf, level } = smallApf();
    await fill(apf, 5);
    const ac = new AbortController();
    const waiting = track(apf.dispatch(user('gone'), undefined, { signal: ac.signal }));
    ac.abort();
    await flush();
    expect((waiting.error as ApfRejection).reason).toBe('cancelled');
    expect(level()).toMatchObject({ waiting: 0, seatsWaiting: 0 });
    // an already aborted signal: queued and removed at once
    const again = track(apf.dispatch(user('gone'), undefined, { signal: ac.signal }));
    await flush();
    expect((again.error as ApfRejection).reason).toBe('cancelled');
    apf.close();
  });

  it('rejects queue-full when every seat is busy and the queue holds queueLengthLimit requests', async () => {
    const clock = new FakeClock(0);
    const apf = new PriorityAndFairness({
      clock,
      serverConcurrencyLimit: 10,
      configurationBase: 'empty',
      priorityLevels: [queuedLevel('lvl', 5, 1, 1, 3)],
      flowSchemas: [everyoneTo('everyone', 'lvl')],
    });
    await fill(apf, 5);
    const queued = [1, 2, 3].map((i) => track(apf.dispatch(user(`q${i}`))));
    const full = track(apf.dispatch(user('q4')));
    await flush();
    expect((full.error as ApfRejection).reason).toBe('queue-full');
    expect(queued.every((q) => !q.settled)).toBe(true);
    apf.close();
    await flush();
    expect(queued.every((q) => (q.error as ApfRejection).reason === 'cancelled')).toBe(true);
  });

  it('rejects concurrency-limit at catch-all and lets exempt requests through regardless', async () => {
    const clock = new FakeClock(0);
    const apf = new PriorityAndFairness({ clock, serverConcurrencyLimit: 50 });
    // catch-all: nominal ceil(50 x 5 / 245) = 2 seats, idle allocation 3 (2 x 602/258 -> rounded with the others)
    const limit = apf.snapshot().find((s) => s.name === 'catch-all')!.currentCL;
    const nobody = (i: number) => resourceDigest(`nobody-${i}`, [], 'get', 'pods', { namespace: 'x', name: 'p' });
    const ok: ExecutionLease[] = [];
    for (let i = 0; i < limit; i++) ok.push(await apf.dispatch(nobody(i)));
    await expect(apf.dispatch(nobody(99))).rejects.toMatchObject({ reason: 'concurrency-limit' });
    const admin = (i: number) => resourceDigest(`admin-${i}`, ['system:masters'], 'list', 'pods');
    const exempt = await Promise.all(
      Array.from({ length: 500 }, (_, i) => apf.dispatch(admin(i), { initialSeats: 10, finalSeats: 0, additionalLatencyMs: 0 })),
    );
    expect(exempt[0]!.classification!.priorityLevelName).toBe('exempt');
    expect(exempt[0]!.waitedMs).toBe(0);
    expect(apf.snapshot().find((s) => s.name === 'exempt')!.seatsInUse).toBe(5000);
    for (const l of [...ok, ...exempt]) l.finish();
    expect(apf.snapshot().every((s) => s.seatsInUse === 0)).toBe(true);
    apf.close();
  });

  it('lets long-running non-watch requests bypass APF', async () => {
    const { apf, level } = smallApf();
    await fill(apf, 5);
    const exec = await apf.dispatch(resourceDigest('u', ['system:authenticated'], 'create', 'pods', { namespace: 'x', name: 'p', subresource: 'exec' }));
    expect(exec.classification).toBeUndefined();
    expect(exec.headers).toEqual({});
    expect(level().executing).toBe(5);
    apf.close();
  });

  it('holds a watch initialization in its seats until initialized(), and counts the watch until finish()', async () => {
    const clock = new FakeClock(0);
    const apf = new PriorityAndFairness({ clock });
    const lowLevel = () => apf.snapshot().find((s) => s.name === 'workload-low')!;
    const watch = await apf.dispatch(saDigest('app', 'informer', 'watch', 'pods'), {
      objectCount: 450,
      listOptions: { sendInitialEvents: true, resourceVersionMatch: 'NotOlderThan' },
    });
    expect(watch.workEstimate).toEqual({ initialSeats: 5, finalSeats: 0, additionalLatencyMs: 0 });
    expect(lowLevel()).toMatchObject({ executing: 1, seatsInUse: 5 });
    watch.initialized();
    watch.initialized();
    expect(lowLevel()).toMatchObject({ executing: 0, seatsInUse: 0 });
    expect(apf.watchTracker.size).toBe(1);
    // 19 more watchers of pods in the app namespace: a pod create there now has 20 interested watchers
    const more = [];
    for (let i = 0; i < 19; i++) {
      const w = await apf.dispatch(saDigest('app', `w${i}`, 'watch', 'pods'));
      w.initialized();
      more.push(w);
    }
    const create = await apf.dispatch(saDigest('app', 'deployer', 'create', 'pods'));
    expect(create.workEstimate).toEqual({ initialSeats: 1, finalSeats: 2, additionalLatencyMs: 5 });
    create.finish();
    expect(lowLevel().seatsInUse).toBe(2);
    clock.advance(5);
    expect(lowLevel().seatsInUse).toBe(0);
    watch.finish();
    for (const w of more) w.finish();
    expect(apf.watchTracker.size).toBe(0);
    // a kubelet's pod watch (spec.nodeName=...) is not counted
    const kubelet = await apf.dispatch(resourceDigest('system:node:n1', ['system:nodes', 'system:authenticated'], 'watch', 'pods'), {
      listOptions: { fieldSelector: 'spec.nodeName=n1' },
    });
    expect(apf.watchTracker.size).toBe(0);
    kubelet.finish();
    apf.close();
  });
});

describe('seat accounting under load', () => {
  it('never goes negative, matches the metrics gauges, and returns to 0 at rest', async () => {
    const clock = new FakeClock(0);
    const registry = new Registry();
    const metrics = new ApfMetrics(registry);
    const apf = new PriorityAndFairness({ clock, serverConcurrencyLimit: 40, metrics, requestTimeoutMs: 8_000 });
    const rand = prng(42);
    const digests: RequestDigest[] = [
      ...Array.from({ length: 12 }, (_, i) => saDigest(`ns${i % 3}`, `sa${i}`, 'list', 'pods')),
      ...Array.from({ length: 6 }, (_, i) => saDigest('kube-system', `ctrl${i}`, 'update', 'deployments', { apiGroup: 'apps', name: 'd' })),
      ...Array.from({ length: 6 }, (_, i) => resourceDigest(`user${i}`, ['system:authenticated'], 'get', 'pods', { namespace: 'x', name: 'p' })),
      resourceDigest('lost', [], 'get', 'pods', { namespace: 'x', name: 'p' }),
      resourceDigest('admin', ['system:masters', 'system:authenticated'], 'list', 'nodes'),
      saDigest('app', 'watcher', 'watch', 'pods'),
    ];
    const outcomes = { executed: 0, rejected: new Map<string, number>() };
    const open = new Set<Promise<void>>();

    const gaugeSums = async (name: string) => {
      const sums = new Map<string, number>();
      for (const v of (await registry.getSingleMetric(name)!.get()).values) {
        const pl = String(v.labels['priority_level']);
        sums.set(pl, (sums.get(pl) ?? 0) + v.value);
      }
      return sums;
    };
    const check = async () => {
      const executingSeats = await gaugeSums('apiserver_flowcontrol_current_executing_seats');
      const inqueue = await gaugeSums('apiserver_flowcontrol_current_inqueue_requests');
      const inqueueSeats = await gaugeSums('apiserver_flowcontrol_current_inqueue_seats');
      for (const s of apf.snapshot()) {
        expect(s.seatsInUse, s.name).toBeGreaterThanOrEqual(0);
        expect(s.seatsWaiting, s.name).toBeGreaterThanOrEqual(0);
        expect(s.waiting, s.name).toBeGreaterThanOrEqual(0);
        expect(s.executing, s.name).toBeGreaterThanOrEqual(0);
        for (const q of s.queueSet.queues) expect(q.seatsInUse).toBeGreaterThanOrEqual(0);
        expect(s.queueSet.queues.reduce((a, q) => a + q.seatsInUse, 0)).toBeLessThanOrEqual(s.seatsInUse);
        expect(executingSeats.get(s.name) ?? 0, s.name).toBe(s.seatsInUse);
        expect(inqueue.get(s.name) ?? 0, s.name).toBe(s.waiting);
        expect(inqueueSeats.get(s.name) ?? 0, s.name).toBe(s.seatsWaiting);
      }
    };

    for (let step = 0; step < 3000; step++) {
      const digest = digests[Math.floor(rand() * digests.length)]!;
      const r = rand();
      const work =
        r < 0.5
          ? { initialSeats: 1 + Math.floor(rand() * 3), finalSeats: 0, additionalLatencyMs: 0 }
          : r < 0.8
            ? { initialSeats: 1, finalSeats: Math.floor(rand() * 12), additionalLatencyMs: 1 + Math.floor(rand() * 20) }
            : { objectCount: Math.floor(rand() * 2000), watchCount: Math.floor(rand() * 150) };
      const ac = new AbortController();
      const holdMs = Math.floor(rand() * 400);
      const abortAfter = rand() < 0.1 ? Math.floor(rand() * 3000) : undefined;
      if (abortAfter !== undefined) clock.setTimeout(() => ac.abort(), abortAfter);
      const p = apf.dispatch(digest, work, { signal: ac.signal }).then(
        (lease) => {
          outcomes.executed++;
          if (digest.verb === 'watch') clock.setTimeout(() => lease.initialized(), holdMs / 2);
          clock.setTimeout(() => lease.finish(), holdMs);
        },
        (e: ApfRejection) => {
          outcomes.rejected.set(e.reason, (outcomes.rejected.get(e.reason) ?? 0) + 1);
        },
      );
      open.add(p);
      p.finally(() => open.delete(p));
      clock.advance(Math.floor(rand() * 8));
      await flush();
      if (step % 50 === 0) await check();
    }
    // let everything drain: holds, final seats, waits and aborts
    for (let i = 0; i < 20; i++) {
      clock.advance(1_000);
      await flush();
    }
    await Promise.all(open);
    await check();
    for (const s of apf.snapshot()) expect([s.name, s.seatsInUse, s.seatsWaiting, s.waiting, s.executing]).toEqual([s.name, 0, 0, 0, 0]);
    expect(apf.watchTracker.size).toBe(0);
    // the load really exercised every path
    expect(outcomes.executed).toBeGreaterThan(500);
    for (const reason of ['time-out', 'concurrency-limit', 'cancelled']) expect(outcomes.rejected.get(reason) ?? 0, reason).toBeGreaterThan(0);
    apf.close();
  });
});
