// The client-go profile on real sockets against the simulated kube-apiserver.
import http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import clientPods from '../../sim/clients/clients.ts';
import type { ClientsConfig } from '../../sim/clients/types.ts';
import { clientPodIp, serviceIp } from '../../scripts/cluster/addresses.ts';
import { startInProcessComponent, startWorkerComponent } from '../../sim/runtime/startComponent.ts';
import { mergeEncodedHistograms } from '../../scripts/measure/latency.ts';
import { pollUntil } from '../../scripts/core/poll.ts';
import { testClientPod } from '../helpers/clientPodSpec.ts';
import { FAST_CAPACITY, replicaRequestTotals, startTestControlPlane, USER_TOKEN, type TestControlPlane } from '../helpers/controlPlane.ts';
import type { ClientPodSpec, ClientRunResult } from '../../scripts/core/clientPod.ts';

function pod(cp: TestControlPlane, overrides: Partial<ClientPodSpec> = {}, index = 0): ClientPodSpec {
  const path = {
    ip: clientPodIp(cp.addresses, index),
    aliasIp: cp.plane.info.replicas[0]!.ip,
    server: 'https://api.test.example',
    caPem: cp.pki.authorities.ca.certPem,
    token: USER_TOKEN,
  };
  return testClientPod(path, overrides, index);
}

function config(cp: TestControlPlane, pods: ClientPodSpec[]): ClientsConfig {
  return { randomSeed: 3, pods, services: [], privilegedPortOffset: cp.addresses.privilegedPortOffset, clusterDomain: 'cluster.local' };
}

async function replicaRequests(cp: TestControlPlane, replica = 0): Promise<number> {
  return (await replicaRequestTotals(cp))[replica]!;
}

const answered = (r: ClientRunResult) => Object.values(r.answeredByCode).reduce((a, b) => a + b, 0);

describe('client-go profile', () => {
  let cp: TestControlPlane | undefined;
  afterEach(async () => {
    await cp?.close();
    cp = undefined;
  });

  it('resolves the public name through its hostAlias, keeps ONE connection, and every answer is counted by the server', async () => {
    cp = await startTestControlPlane({}, 1);
    const clients = await startWorkerComponent(clientPods, {
      name: 'clients',
      config: config(cp, [
        pod(cp, {
          watches: [{ resource: 'configmaps' }],
          mix: [
            { verb: 'get', resource: 'leases', weight: 3, objects: 2 },
            { verb: 'list', resource: 'configmaps', weight: 1, objects: 2 },
            { verb: 'update', resource: 'leases', weight: 1, objects: 2 },
          ],
        }),
      ]),
    });
    await clients.remote.prepare();
    const before = await replicaRequests(cp);
    const [result] = await clients.remote.run({ durationMs: 1500, maxRequests: 100_000 });
    // The server records the WATCH when it ends, a moment after the client cancelled it: wait until it has.
    const counted = await pollUntil(
      async () => (await replicaRequests(cp!)) - before,
      (c) => c >= answered(result!),
      { timeoutMs: 3000, what: 'the server count' },
    );
    await clients.close();
    expect(result!.connections.opened).toBe(1);
    expect(result!.errors).toEqual({});
    expect(answered(result!)).toBeGreaterThan(100);
    expect(answered(result!)).toBe(counted);
    expect(result!.watches.opened).toBe(1);
    expect(result!.inDoubt).toBe(0);
    expect(mergeEncodedHistograms([result!.latencyHistogram]).count).toBe(answered(result!) - 1); // all but the watch
  });

  it('opens a second connection only beyond 100 concurrent streams', async () => {
    cp = await startTestControlPlane(
      { capacity: { ...FAST_CAPACITY, workers: 1000, serviceTimeMs: { ...FAST_CAPACITY.serviceTimeMs, get: 1500 }, distribution: 'constant' } },
      1,
    );
    const low = await startInProcessComponent(clientPods, { name: 'clients', config: config(cp, [pod(cp, { rate: 40 })]) });
    await low.remote.prepare();
    const [lowResult] = await low.remote.run({ durationMs: 1000, maxRequests: 100_000 });
    await low.close();
    expect(lowResult!.connections.opened).toBe(1); // ~60 concurrent

    const high = await startInProcessComponent(clientPods, { name: 'clients', config: config(cp, [pod(cp, { rate: 160 }, 1)]) });
    await high.remote.prepare();
    const [highResult] = await high.remote.run({ durationMs: 1000, maxRequests: 100_000 });
    await high.close();
    // ~160 concurrent → over 100 per connection: a second connection. Every request that arrives while it is being
    // dialled dials too (net/http, test/clients/dialRace.test.ts), and those dials count as opened (closed unused, as
    // the Go load client counts them): at 160 req/s, one more per 6 ms of dial time; a loopback TLS dial takes well
    // under 100 ms, so fewer than 16 extra.
    expect(highResult!.connections.opened).toBeGreaterThanOrEqual(2);
    expect(highResult!.connections.opened).toBeLessThan(2 + 160 * 0.1);
    expect(highResult!.errors).toEqual({});
  });

  it('follows GOAWAY: reconnects, retries refused streams, loses no request', async () => {
    cp = await startTestControlPlane({ goawayChance: 0.05, allowGoawayChanceAboveFlagMaximum: true }, 1);
    const clients = await startInProcessComponent(clientPods, { name: 'clients', config: config(cp, [pod(cp, { rate: 300 })]) });
    await clients.remote.prepare();
    const before = await replicaRequests(cp);
    const [result] = await clients.remote.run({ durationMs: 1500, maxRequests: 100_000 });
    const counted = (await replicaRequests(cp)) - before;
    await clients.close();
    expect(result!.connections.goawaysReceived).toBeGreaterThan(5);
    expect(result!.connections.opened).toBeGreaterThan(5);
    expect(result!.errors).toEqual({});
    expect(answered(result!)).toBe(counted);
  });

  it('honours 429 + Retry-After: waits and retries, and the server counted every attempt', async () => {
    cp = await startTestControlPlane(
      {
        capacity: {
          ...FAST_CAPACITY,
          workers: 1,
          maxRequestsInflight: 2,
          serviceTimeMs: { ...FAST_CAPACITY.serviceTimeMs, get: 100 },
          distribution: 'constant',
        },
      },
      1,
    );
    const clients = await startInProcessComponent(clientPods, { name: 'clients', config: config(cp, [pod(cp, { rate: 40 })]) });
    await clients.remote.prepare();
    const before = await replicaRequests(cp);
    const [result] = await clients.remote.run({ durationMs: 1000, maxRequests: 100_000, drainTimeoutMs: 15_000 });
    const counted = (await replicaRequests(cp)) - before;
    await clients.close();
    expect(result!.answeredByCode['429']).toBeGreaterThan(0);
    expect(result!.retries['retry-after-429']).toBe(result!.answeredByCode['429']);
    expect(answered(result!)).toBe(counted);
    // Every logical request eventually succeeded; the retried ones waited ≥ 1 s (Retry-After: 1).
    const latency = mergeEncodedHistograms([result!.latencyHistogram]);
    expect(latency.count).toBe(result!.answeredByCode['200']);
    expect(latency.maxMs).toBeGreaterThan(1000);
  });

  it('measures latency from the intended send time: a stalled server shows up as latency (no coordinated omission)', async () => {
    cp = await startTestControlPlane(
      { capacity: { ...FAST_CAPACITY, workers: 1, serviceTimeMs: { ...FAST_CAPACITY.serviceTimeMs, get: 20 }, distribution: 'constant' } },
      1,
    );
    // Offered 100/s but served at most 50/s: the backlog grows for 1 s, so late requests wait ~0.5 s more.
    const clients = await startInProcessComponent(clientPods, { name: 'clients', config: config(cp, [pod(cp, { rate: 100 })]) });
    await clients.remote.prepare();
    const [result] = await clients.remote.run({ durationMs: 1000, maxRequests: 100_000, drainTimeoutMs: 15_000 });
    await clients.close();
    const latency = mergeEncodedHistograms([result!.latencyHistogram]);
    expect(latency.count).toBe(100);
    expect(latency.p99Ms).toBeGreaterThan(800);
  });

  it('throttles with client-go defaults (QPS 5, Burst 10)', async () => {
    cp = await startTestControlPlane({}, 1);
    const clients = await startInProcessComponent(clientPods, { name: 'clients', config: config(cp, [pod(cp, { qps: 5, burst: 10, rate: 50 })]) });
    await clients.remote.prepare();
    const [result] = await clients.remote.run({ durationMs: 1000, maxRequests: 100_000, drainTimeoutMs: 500 });
    await clients.close();
    // 10 from the burst plus ~5/s; the rest of the 50 stayed queued in the limiter.
    expect(answered(result!)).toBeGreaterThanOrEqual(14);
    expect(answered(result!)).toBeLessThanOrEqual(18);
    expect(result!.unsent).toBe(50 - answered(result!));
    expect(result!.throttleWait.count).toBeGreaterThan(30);
  });

  it('reports a name the pod cannot resolve as a dns error, and binds the pod IP as source address', async () => {
    cp = await startTestControlPlane({}, 1);
    const seen: string[] = [];
    const server = http2.createSecureServer(
      { key: cp.pki.certificates['kube-apiserver'].keyPem, cert: cp.pki.certificates['kube-apiserver'].certPem },
      (req, res) => {
        seen.push(req.socket.remoteAddress ?? '');
        res.writeHead(201, { 'audit-id': 'x' });
        res.end('{}');
      },
    );
    const ip = serviceIp(cp.addresses, 5);
    await new Promise<void>((r) => server.listen(10443, ip, () => r()));
    const ok = pod(cp, { hostAliases: [{ ip, hostnames: ['api.test.example'] }], watches: [] }, 3);
    const lost = pod(cp, { hostAliases: [] }, 4);
    const clients = await startInProcessComponent(clientPods, { name: 'clients', config: config(cp, [ok]) });
    await clients.remote.prepare();
    await clients.close();
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([clientPodIp(cp.addresses, 3)]));
    const failing = await startInProcessComponent(clientPods, { name: 'clients', config: config(cp, [lost]) });
    const prepared = await failing.remote.prepare();
    expect(prepared.failed).toEqual([{ pod: lost.name, error: expect.stringMatching(/no such host/) }]);
    await failing.close();
    await new Promise<void>((r) => server.close(() => r()));
  });
});
