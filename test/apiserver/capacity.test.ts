// The capacity model, metrics and connection behaviour of the simulated kube-apiserver.
import http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { ReplicaCapacity } from '../../sim/apiserver/capacity.ts';
import { Rng } from '../../scripts/core/random.ts';
import { parsePrometheusText, sumOf } from '../../scripts/measure/promText.ts';
import { pollUntil, waitFor } from '../../scripts/core/poll.ts';
import { replicaEndpoint } from '../../scripts/cluster/plan.ts';
import { ADMIN_TOKEN, FAST_CAPACITY, startTestControlPlane, type TestControlPlane } from '../helpers/controlPlane.ts';
import { connect, h2request } from '../helpers/h2.ts';

const get = (s: http2.ClientHttp2Session, p: string) => h2request(s, { ':method': 'GET', ':path': p, authorization: `Bearer ${ADMIN_TOKEN}` });

describe('capacity model (unit)', () => {
  it('takes inflight slots up to the limit per kind and keeps a watermark', () => {
    const c = new ReplicaCapacity({ ...FAST_CAPACITY, maxRequestsInflight: 2, maxMutatingRequestsInflight: 1 }, new Rng(1));
    expect([c.tryAcquireInflight('readOnly'), c.tryAcquireInflight('readOnly'), c.tryAcquireInflight('readOnly')]).toEqual([true, true, false]);
    expect([c.tryAcquireInflight('mutating'), c.tryAcquireInflight('mutating')]).toEqual([true, false]);
    c.releaseInflight('readOnly');
    expect(c.takeWatermark()).toEqual({ readOnly: 2, mutating: 1 });
    expect(c.takeWatermark()).toEqual({ readOnly: 1, mutating: 1 });
  });

  it('runs at most `workers` executions at once, FIFO', async () => {
    // Each execution stays open until the test releases it, so the limit is what keeps the others waiting.
    const c = new ReplicaCapacity({ ...FAST_CAPACITY, workers: 2 }, new Rng(1));
    const started: number[] = [];
    const release = new Map<number, () => void>();
    let running = 0;
    let peak = 0;
    const submit = (i: number) =>
      c.execute('get', () => {
        running++;
        peak = Math.max(peak, running);
        started.push(i);
        return new Promise<void>((resolve) =>
          release.set(i, () => {
            running--;
            resolve();
          }),
        );
      });
    const accounted = (n: number) => () => started.length + c.queued === n;
    const executions = Array.from({ length: 6 }, (_, i) => submit(i));
    await waitFor(accounted(6), { timeoutMs: 2000, what: 'all six executions to start or queue' });
    expect({ started: [...started], queued: c.queued }).toEqual({ started: [0, 1], queued: 4 });
    // A finished execution hands its worker to the head of the queue; one submitted now waits behind the others.
    release.get(0)!();
    await waitFor(() => started.length === 3, { timeoutMs: 2000, what: 'the queue head to start' });
    executions.push(submit(6));
    await waitFor(accounted(7), { timeoutMs: 2000, what: 'the late execution to start or queue' });
    expect({ started: started.length, queued: c.queued }).toEqual({ started: 3, queued: 4 });
    // Finish the rest in the order they started: each release starts the next one in line.
    for (let k = 1; k < 7; k++) {
      release.get(started[k]!)!();
      await waitFor(() => started.length === Math.min(7, k + 3), { timeoutMs: 2000, what: `the execution after ${started[k]} to start` });
    }
    await Promise.all(executions);
    expect({ started, peak, running, queued: c.queued }).toEqual({ started: [0, 1, 2, 3, 4, 5, 6], peak: 2, running: 0, queued: 0 });
  });

  it('draws exponential service times with the configured mean (seeded)', async () => {
    const rng = new Rng(42);
    const samples = Array.from({ length: 20000 }, () => rng.exponential(4));
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    expect(mean).toBeGreaterThan(3.9);
    expect(mean).toBeLessThan(4.1);
  });
});

describe('simulated kube-apiserver: capacity, metrics, goaway, restart', () => {
  let cp: TestControlPlane | undefined;
  afterEach(async () => {
    await cp?.close();
    cp = undefined;
  });

  it('rejects beyond --max-requests-inflight with 429, Retry-After and the real message; metrics count it', async () => {
    cp = await startTestControlPlane(
      { capacity: { ...FAST_CAPACITY, workers: 1, maxRequestsInflight: 3, serviceTimeMs: { ...FAST_CAPACITY.serviceTimeMs, list: 200 } } },
      1,
    );
    const s = await connect(cp.urls[0]!, { ca: cp.pki.authorities.ca.certPem, servername: 'kube-apiserver' });
    const results = await Promise.all(Array.from({ length: 5 }, () => get(s, '/api/v1/namespaces/x/configmaps')));
    const codes = results.map((r) => r.status).sort();
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    const rejected = results.find((r) => r.status === 429)!;
    expect(rejected.headers['retry-after']).toBe('1');
    expect(JSON.parse(rejected.body)).toMatchObject({
      reason: 'TooManyRequests',
      message: 'Too many requests, please try again later.',
      details: { retryAfterSeconds: 1 },
    });
    const metrics = parsePrometheusText((await get(s, '/metrics')).body);
    expect(sumOf(metrics, 'apiserver_request_total', { verb: 'LIST', resource: 'configmaps', code: '429', scope: 'namespace', component: 'apiserver' })).toBe(
      2,
    );
    expect(sumOf(metrics, 'apiserver_request_total', { verb: 'LIST', code: '200' })).toBe(3);
    expect(sumOf(metrics, 'apiserver_request_duration_seconds_count', { verb: 'LIST' })).toBe(5);
    // The per-second watermark (published once a second) saw the 3 read-only requests in flight.
    const readOnlyWatermark = async () =>
      sumOf(parsePrometheusText((await get(s, '/metrics')).body), 'apiserver_current_inflight_requests', { request_kind: 'readOnly' });
    expect(await pollUntil(readOnlyWatermark, (v) => v >= 3, { timeoutMs: 3000, what: 'the inflight watermark' })).toBe(3);
    s.close();
  });

  it('needs authentication for /metrics, counts resource requests per replica, and a WATCH when it ends', async () => {
    cp = await startTestControlPlane();
    const s0 = await connect(cp.urls[0]!, { ca: cp.pki.authorities.ca.certPem, servername: 'kube-apiserver' });
    const s1 = await connect(cp.urls[1]!, { ca: cp.pki.authorities.ca.certPem, servername: 'kube-apiserver' });
    expect((await h2request(s0, { ':method': 'GET', ':path': '/metrics' })).status).toBe(401);
    for (let i = 0; i < 7; i++) await get(s0, '/apis/coordination.k8s.io/v1/namespaces/n/leases/x');
    await get(s0, '/version');
    const watch = s0.request({ ':method': 'GET', ':path': '/api/v1/namespaces/n/configmaps?watch=true', authorization: `Bearer ${ADMIN_TOKEN}` });
    watch.on('data', () => undefined);
    const scrape = async () => parsePrometheusText((await get(s0, '/metrics')).body);
    let m0 = await pollUntil(scrape, (m) => sumOf(m, 'apiserver_longrunning_requests', { verb: 'WATCH' }) === 1, {
      timeoutMs: 3000,
      what: 'the watch to be open',
    });
    expect(sumOf(m0, 'apiserver_request_total', { verb: 'GET', group: 'coordination.k8s.io', resource: 'leases', code: '404', scope: 'resource' })).toBe(7);
    expect(sumOf(m0, 'apiserver_request_total', { verb: 'WATCH' })).toBe(0);
    watch.close();
    m0 = await pollUntil(scrape, (m) => sumOf(m, 'apiserver_longrunning_requests', { verb: 'WATCH' }) === 0, { timeoutMs: 3000, what: 'the watch to end' });
    expect(sumOf(m0, 'apiserver_request_total', { verb: 'WATCH', resource: 'configmaps' })).toBe(1);
    expect(sumOf(m0, 'apiserver_request_total')).toBe(8);
    const m1 = parsePrometheusText((await get(s1, '/metrics')).body);
    expect(sumOf(m1, 'apiserver_request_total')).toBe(0);
    s0.close();
    s1.close();
  });

  it('--goaway-chance sends GOAWAY on HTTP/2 after the response; in-flight streams still finish', async () => {
    // chance 1 (test-only override of the 0.02 flag maximum): every answered HTTP/2 request ends the connection.
    cp = await startTestControlPlane(
      {
        goawayChance: 1,
        allowGoawayChanceAboveFlagMaximum: true,
        capacity: { ...FAST_CAPACITY, serviceTimeMs: { ...FAST_CAPACITY.serviceTimeMs, list: 300 } },
      },
      1,
    );
    const s = await connect(cp.urls[0]!, { ca: cp.pki.authorities.ca.certPem, servername: 'kube-apiserver' });
    const goaway = new Promise<number>((resolve) => s.once('goaway', (code: number) => resolve(code)));
    // Both go out on one connection in this order, so the server has the slow one before it answers the fast one.
    const slow = get(s, '/api/v1/namespaces/g/configmaps'); // in flight for 300 ms
    const fast = await get(s, '/api/v1/namespaces/g/configmaps/x');
    expect(fast.status).toBe(404);
    expect(await goaway).toBe(0); // NO_ERROR: a graceful shutdown
    expect((await slow).status).toBe(200); // the stream that was already open finished on the old connection
    await expect(get(s, '/api/v1/namespaces/g/configmaps')).rejects.toThrow(/GOAWAY/); // no new streams on it
    s.close();
  });

  it('never sends GOAWAY for HTTP/1.1', async () => {
    cp = await startTestControlPlane({ goawayChance: 1, allowGoawayChanceAboveFlagMaximum: true }, 1);
    const url = new URL(cp.urls[0]!);
    const https = await import('node:https');
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: cp.pki.authorities.ca.certPem, servername: 'kube-apiserver' });
    const sockets = new Set<unknown>();
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((resolve, reject) => {
        https
          .get(
            { agent, host: url.hostname, port: url.port, path: '/api/v1/namespaces/h/configmaps', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
            (res) => {
              sockets.add(res.socket);
              res.resume();
              res.on('end', () => resolve());
            },
          )
          .on('error', reject);
      });
    }
    expect(sockets.size).toBe(1);
    agent.destroy();
  });

  it('validates --goaway-chance against the flag range', async () => {
    await expect(startTestControlPlane({ goawayChance: 0.5 }, 1)).rejects.toThrow(/between 0 and 0.02/);
  });

  it('kill resets every connection; start brings the replica back with fresh counters, ready after its delay', async () => {
    cp = await startTestControlPlane({ readinessDelayMs: 300 }, 1);
    const s = await connect(cp.urls[0]!, { ca: cp.pki.authorities.ca.certPem, servername: 'kube-apiserver' });
    expect((await get(s, '/api/v1/namespaces/r/configmaps')).status).toBe(200);
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    await cp.plane.methods.stopReplica('kube-apiserver-0', 'kill');
    await closed;
    expect(cp.plane.methods.replicaStates()[0]).toMatchObject({ running: false, ready: false, connections: 0 });
    await cp.plane.methods.startReplica('kube-apiserver-0');
    const again = await connect(cp.urls[0]!, { ca: cp.pki.authorities.ca.certPem, servername: 'kube-apiserver' });
    // Serving, but not ready yet: a kube-apiserver answers requests before its readiness check passes.
    expect((await h2request(again, { ':method': 'GET', ':path': '/readyz' })).status).toBe(500);
    await waitFor(async () => (await h2request(again, { ':method': 'GET', ':path': '/readyz' })).status === 200, { timeoutMs: 3000, what: '/readyz 200' });
    // A new process: its request counter started again from zero.
    const metrics = parsePrometheusText((await get(again, '/metrics')).body);
    expect(sumOf(metrics, 'apiserver_request_total')).toBe(0);
    again.close();
  });

  it('a graceful stop sends GOAWAY: the request in flight finishes, the connection then closes', async () => {
    cp = await startTestControlPlane({ capacity: { ...FAST_CAPACITY, serviceTimeMs: { ...FAST_CAPACITY.serviceTimeMs, list: 300 } } }, 1);
    const s = await connect(cp.urls[0]!, { ca: cp.pki.authorities.ca.certPem, servername: 'kube-apiserver' });
    const goaway = new Promise<number>((resolve) => s.once('goaway', (code: number) => resolve(code)));
    const inFlight = get(s, '/api/v1/namespaces/g/configmaps');
    await waitFor(() => cp!.plane.methods.replicaStates()[0]!.inflight.readOnly === 1, { timeoutMs: 3000, what: 'the request to be in flight' });
    const stopped = cp.plane.methods.stopReplica('kube-apiserver-0', 'graceful', 5000);
    expect(await goaway).toBe(0);
    expect((await inFlight).status).toBe(200);
    await stopped;
    expect(cp.plane.methods.replicaStates()[0]).toMatchObject({ running: false, connections: 0 });
  });

  it('adds and removes replicas while running', async () => {
    cp = await startTestControlPlane({}, 1);
    const added = await cp.plane.methods.addReplica(replicaEndpoint(cp.addresses, 1));
    const s = await connect(added.url, { ca: cp.pki.authorities.ca.certPem, servername: 'kube-apiserver' });
    expect((await get(s, '/api/v1/namespaces/a/configmaps')).status).toBe(200);
    expect(cp.plane.methods.replicaStates().map((r) => r.replica)).toEqual(['kube-apiserver-0', 'kube-apiserver-1']);
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    await cp.plane.methods.removeReplica('kube-apiserver-1');
    await closed;
    expect(cp.plane.methods.replicaStates().map((r) => r.replica)).toEqual(['kube-apiserver-0']);
  });
});
