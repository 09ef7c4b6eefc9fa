// API Priority and Fairness wired into a simulated kube-apiserver replica, on real TLS/HTTP2 sockets: classification
// by FlowSchema, 429 + Retry-After + X-Kubernetes-PF-* under overload of one priority level while another is
// unaffected, fair queuing between two flows of one level, the wait limit from ?timeout=, seats back to 0 at rest,
// watches holding seats only while they initialise, work estimates from the store and the watch count, the metrics,
// kubectl get flowschemas,prioritylevelconfigurations, a restarted replica, and APF off = the max-inflight model.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http2, { constants as http2constants } from 'node:http2';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stableUid } from '../../sim/apiserver/apf/bootstrap.ts';
import { hashFlowId } from '../../sim/apiserver/apf/classify.ts';
import { Dealer } from '../../sim/apiserver/apf/shuffleSharding.ts';
import { TOO_MANY_REQUESTS_BODY } from '../../sim/apiserver/apf/priorityAndFairness.ts';
import type { ControlPlaneApfConfig } from '../../sim/apiserver/apfFilter.ts';
import { findResource } from '../../sim/apiserver/resources.ts';
import { renderKubeconfig } from '../../scripts/cluster/kubeconfig.ts';
import { parsePrometheusText, sumOf, type ParsedMetrics } from '../../scripts/measure/promText.ts';
import { pollUntil, waitFor } from '../../scripts/core/poll.ts';
import { ADMIN_TOKEN, FAST_CAPACITY, startTestControlPlane, USER_TOKEN, type TestControlPlane } from '../helpers/controlPlane.ts';
import { connect, h2request, type H2Response } from '../helpers/h2.ts';
import { itWithTool, toolPath } from '../helpers/tools.ts';

const sa = (namespace: string, name: string) => ({
  user: `system:serviceaccount:${namespace}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
});
const TOKENS = {
  [ADMIN_TOKEN]: { user: 'system:admin', groups: ['system:masters'] },
  [USER_TOKEN]: { user: 'alice', groups: ['dev'] },
  'flood-token': sa('tenant', 'flood'),
  'a-token': sa('shared-ns', 'a'),
  'b-token': sa('shared-ns', 'b'),
};

/** A limited level whose limit does not move with borrowing: NCS 1 of 247 shares of 600 seats = 3 seats. */
const level = (name: string, queues: number, handSize: number, queueLengthLimit: number) => ({
  apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
  kind: 'PriorityLevelConfiguration',
  metadata: { name },
  spec: {
    type: 'Limited',
    limited: {
      nominalConcurrencyShares: 1,
      lendablePercent: 0,
      borrowingLimitPercent: 0,
      limitResponse: { type: 'Queue', queuing: { queues, handSize, queueLengthLimit } },
    },
  },
});
const everything = { verbs: ['*'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*'] };
const APF: ControlPlaneApfConfig = {
  enabled: true,
  priorityLevels: [level('tiny', 64, 1, 2), level('shared', 64, 1, 50)],
  flowSchemas: [
    {
      metadata: { name: 'tiny' },
      spec: {
        priorityLevelConfiguration: { name: 'tiny' },
        matchingPrecedence: 500,
        distinguisherMethod: { type: 'ByUser' },
        rules: [{ subjects: [{ kind: 'ServiceAccount', serviceAccount: { namespace: 'tenant', name: 'flood' } }], resourceRules: [everything] }],
      },
    },
    {
      metadata: { name: 'shared' },
      spec: {
        priorityLevelConfiguration: { name: 'shared' },
        matchingPrecedence: 510,
        distinguisherMethod: { type: 'ByUser' },
        rules: [{ subjects: [{ kind: 'Group', group: { name: 'system:serviceaccounts:shared-ns' } }], resourceRules: [everything] }],
      },
    },
  ],
};

// get: 40 ms, list: 1 s of service time; 8 workers, so APF's seats (3 per level) decide what executes.
const CAPACITY = { ...FAST_CAPACITY, workers: 8, serviceTimeMs: { ...FAST_CAPACITY.serviceTimeMs, get: 40, list: 1000 }, distribution: 'constant' as const };

describe('API Priority and Fairness in a replica (real sockets)', () => {
  let cp: TestControlPlane;
  let s: http2.ClientHttp2Session;
  const opts = () => ({ ca: cp.pki.authorities.ca.certPem, servername: 'kube-apiserver' });
  const get = (p: string, token: string) => h2request(s, { ':method': 'GET', ':path': p, authorization: `Bearer ${token}` });
  const metrics = async (): Promise<ParsedMetrics> => parsePrometheusText((await get('/metrics', ADMIN_TOKEN)).body);
  const level = (m: ParsedMetrics, name: string, pl: string, extra: Record<string, string> = {}) =>
    sumOf(m, `apiserver_flowcontrol_${name}`, { priority_level: pl, ...extra });
  /** Waits until nothing of a level is queued or executing. */
  const idle = (pl: string) =>
    pollUntil(
      metrics,
      (m) =>
        level(m, 'current_inqueue_requests', pl) === 0 && level(m, 'current_executing_requests', pl) === 0 && level(m, 'current_executing_seats', pl) === 0,
      { timeoutMs: 10_000, what: `priority level ${pl} to be idle` },
    );

  beforeAll(async () => {
    cp = await startTestControlPlane({ apf: APF, capacity: CAPACITY, tokens: TOKENS }, 1);
    s = await connect(cp.urls[0]!, opts());
  });
  afterAll(async () => {
    s?.close();
    await cp?.close();
  });

  it('rejects with 429, Retry-After, the PF headers and the reason when one level is overloaded; another level is unaffected', async () => {
    // tiny: 3 seats, one queue per flow (handSize 1) of at most 2 requests. 10 LISTs of 1 s at once:
    // 3 execute, 2 wait, 5 find the queue full.
    const flood = Array.from({ length: 10 }, () => get('/api/v1/namespaces/tenant/configmaps', 'flood-token'));
    let floodSettled = 0;
    for (const p of flood) void p.then(() => floodSettled++);
    await waitFor(async () => level(await metrics(), 'current_executing_requests', 'tiny') === 3, { timeoutMs: 5000, what: 'tiny to be saturated' });
    // Meanwhile a request of another level (alice: global-default) is answered at once.
    const other = await get('/api/v1/namespaces/tenant/configmaps/none', USER_TOKEN);
    expect(other.status).toBe(404);
    expect(other.headers['x-kubernetes-pf-prioritylevel-uid']).toBe(stableUid('PriorityLevelConfiguration', 'global-default'));
    expect(floodSettled).toBeLessThanOrEqual(5); // the admitted ones are still executing (1 s)

    const results = await Promise.all(flood);
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
    for (const r of results) {
      expect(r.headers['x-kubernetes-pf-flowschema-uid']).toBe(stableUid('FlowSchema', 'tiny'));
      expect(r.headers['x-kubernetes-pf-prioritylevel-uid']).toBe(stableUid('PriorityLevelConfiguration', 'tiny'));
      expect(r.headers['audit-id']).toBeDefined();
    }
    const rejected = results.filter((r) => r.status === 429);
    for (const r of rejected) {
      expect(r.body).toBe(TOO_MANY_REQUESTS_BODY);
      expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(r.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    }
    expect(Math.min(...rejected.map((r) => Number(r.headers['retry-after'])))).toBe(1);

    const m = await metrics();
    expect(level(m, 'rejected_requests_total', 'tiny', { flow_schema: 'tiny', reason: 'queue-full' })).toBe(5);
    expect(level(m, 'dispatched_requests_total', 'tiny', { flow_schema: 'tiny' })).toBe(5);
    expect(level(m, 'rejected_requests_total', 'global-default')).toBe(0);
    expect(level(m, 'nominal_limit_seats', 'tiny')).toBe(3);
    expect(level(m, 'current_limit_seats', 'tiny')).toBe(3);
    // The waiters' time in the queue (~1 s) is in the wait histogram; the rejected ones waited 0 (execute="false").
    expect(level(m, 'request_wait_duration_seconds_count', 'tiny', { execute: 'true' })).toBe(5);
    expect(level(m, 'request_wait_duration_seconds_count', 'tiny', { execute: 'false' })).toBe(5);
    expect(level(m, 'request_wait_duration_seconds_bucket', 'tiny', { execute: 'true', le: '0.2' })).toBe(3);
    // RecordDroppedRequest: the 429s are in apiserver_request_total.
    expect(sumOf(m, 'apiserver_request_total', { verb: 'LIST', resource: 'configmaps', code: '429' })).toBe(5);
    expect(sumOf(m, 'apiserver_request_total', { verb: 'LIST', resource: 'configmaps', code: '200' })).toBe(5);
    await idle('tiny');
  });

  it('serves two flows of one level fairly: a late flow is not stuck behind a long queue', async () => {
    // Precondition: with handSize 1 the two service accounts' flows have different queues.
    const dealer = Dealer.create(64, 1);
    const queueOf = (user: string) => dealer.dealIntoHand(hashFlowId('shared', user))[0];
    expect(queueOf('system:serviceaccount:shared-ns:a')).not.toBe(queueOf('system:serviceaccount:shared-ns:b'));

    const order: string[] = [];
    const send = (token: string, tag: string) => get('/api/v1/namespaces/shared-ns/configmaps/x', token).then((r) => (order.push(tag), r));
    const a = Array.from({ length: 40 }, () => send('a-token', 'a'));
    await waitFor(async () => level(await metrics(), 'current_inqueue_requests', 'shared') >= 30, { timeoutMs: 5000, what: "a's queue to fill" });
    const b = Array.from({ length: 5 }, () => send('b-token', 'b'));
    const all = await Promise.all([...a, ...b]);
    expect(all.every((r) => r.status === 404)).toBe(true);
    // FIFO would finish b last (position 45); fair queuing alternates the two queues once b is waiting.
    const lastB = order.lastIndexOf('b');
    expect(lastB).toBeLessThan(20);
    await idle('shared');
  });

  it('rejects a queued request with reason time-out at a quarter of its ?timeout=, not before', async () => {
    const holders = Array.from({ length: 3 }, () => get('/api/v1/namespaces/tenant/configmaps', 'flood-token'));
    await waitFor(async () => level(await metrics(), 'current_executing_requests', 'tiny') === 3, { timeoutMs: 5000, what: 'tiny to be saturated' });
    const before = level(await metrics(), 'rejected_requests_total', 'tiny', { reason: 'time-out' });
    const started = performance.now();
    // Deadline 400 ms (request_deadline.go): it may wait 100 ms; the seats free up only after the 1 s LISTs.
    const limited = await get('/api/v1/namespaces/tenant/configmaps?timeout=400ms', 'flood-token');
    const elapsed = performance.now() - started;
    expect(limited.status).toBe(429);
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(900);
    expect((await Promise.all(holders)).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(level(await metrics(), 'rejected_requests_total', 'tiny', { reason: 'time-out' })).toBe(before + 1);
    // A malformed ?timeout= is a 400, as WithRequestDeadline answers.
    const bad = await get('/api/v1/namespaces/tenant/configmaps?timeout=soon', 'flood-token');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toMatch(/^invalid timeout specified in the request URL/);
    await idle('tiny');
  });

  it('takes a queued request out of its queue when the client goes away (counted as time-out, as upstream)', async () => {
    const holders = Array.from({ length: 3 }, () => get('/api/v1/namespaces/tenant/configmaps', 'flood-token'));
    await waitFor(async () => level(await metrics(), 'current_executing_requests', 'tiny') === 3, { timeoutMs: 5000, what: 'tiny to be saturated' });
    const before = level(await metrics(), 'rejected_requests_total', 'tiny', { reason: 'time-out' });
    const queued = s.request({ ':method': 'GET', ':path': '/api/v1/namespaces/tenant/configmaps', authorization: 'Bearer flood-token' });
    queued.on('error', () => undefined);
    queued.end();
    await waitFor(async () => level(await metrics(), 'current_inqueue_requests', 'tiny') === 1, { timeoutMs: 5000, what: 'the request to be queued' });
    queued.close(http2constants.NGHTTP2_CANCEL);
    const m = await pollUntil(metrics, (x) => level(x, 'current_inqueue_requests', 'tiny') === 0, { timeoutMs: 5000, what: 'the queue to empty' });
    expect(level(m, 'rejected_requests_total', 'tiny', { reason: 'time-out' })).toBe(before + 1);
    expect(level(m, 'current_executing_requests', 'tiny')).toBe(3); // the holders still run: it left the queue by itself
    expect((await Promise.all(holders)).map((r) => r.status)).toEqual([200, 200, 200]);
    await idle('tiny');
  });

  it('holds a watch in its level only while it initialises, and counts it for mutating requests', async () => {
    const before = level(await metrics(), 'dispatched_requests_total', 'tiny');
    const watches = Array.from({ length: 10 }, () => {
      const w = s.request({ ':method': 'GET', ':path': '/api/v1/namespaces/w/configmaps?watch=true', authorization: 'Bearer flood-token' });
      w.on('data', () => undefined);
      return w;
    });
    // Ten watches in a level of 3 seats: each frees its seat once its initial events are out.
    const m = await pollUntil(metrics, (x) => sumOf(x, 'apiserver_longrunning_requests', { verb: 'WATCH' }) === 10, {
      timeoutMs: 5000,
      what: '10 open watches',
    });
    expect(level(m, 'dispatched_requests_total', 'tiny')).toBe(before + 10);
    await idle('tiny');
    // A create in that namespace has 10 interested watchers (the mutating work estimator's watch count).
    const create = await h2request(
      s,
      { ':method': 'POST', ':path': '/api/v1/namespaces/w/configmaps', authorization: `Bearer ${USER_TOKEN}`, 'content-type': 'application/json' },
      JSON.stringify({ metadata: { name: 'c1' } }),
    );
    expect(create.status).toBe(201);
    expect(level(await metrics(), 'watch_count_samples_sum', 'global-default')).toBe(10);
    for (const w of watches) w.close();
    await waitFor(async () => sumOf(await metrics(), 'apiserver_longrunning_requests', { verb: 'WATCH' }) === 0, {
      timeoutMs: 5000,
      what: 'the watches to end',
    });
  });

  it('prices a LIST by the objects of its resource in the store', async () => {
    const secrets = findResource('', 'v1', 'secrets')!;
    for (let i = 0; i < 250; i++) cp.plane.store.create(secrets, `ns-${i % 3}`, { metadata: { name: `s-${i}` } });
    const bucket = async (le: string) => level(await metrics(), 'work_estimated_seats_bucket', 'global-default', { le });
    const [le2, le4] = [await bucket('2'), await bucket('4')];
    // 250 secrets over all namespaces, served from the watch cache: ceil(250 / 100) = 3 seats.
    expect((await get('/api/v1/namespaces/ns-0/secrets', USER_TOKEN)).status).toBe(200);
    expect([await bucket('2'), await bucket('4')]).toEqual([le2, le4 + 1]);
  });

  it('is back to zero seats and nothing queued at rest, in every limited level', async () => {
    const m = await pollUntil(
      metrics,
      (x) =>
        x.samples
          .filter((smp) => /^apiserver_flowcontrol_current_(inqueue_requests|inqueue_seats|executing_requests|executing_seats)$/.test(smp.name))
          .filter((smp) => smp.labels.priority_level !== 'exempt') // the scrape itself runs as exempt
          .every((smp) => smp.value === 0),
      { timeoutMs: 10_000, what: 'every level at rest' },
    );
    expect(level(m, 'dispatched_requests_total', 'tiny')).toBeGreaterThan(0);
    expect(sumOf(m, 'apiserver_current_inflight_requests', { request_kind: 'mutating' })).toBeGreaterThanOrEqual(0);
  });

  itWithTool('kubectl')('kubectl get flowschemas,prioritylevelconfigurations works against a replica', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-apf-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      renderKubeconfig({ contextName: 'sim', server: cp.urls[0]!, tlsServerName: 'kube-apiserver', caPem: cp.pki.authorities.ca.certPem, token: USER_TOKEN }),
    );
    const k = (...args: string[]) => execa(toolPath('kubectl'), ['--kubeconfig', kubeconfig, '--request-timeout=10s', ...args], { reject: false });
    const out = await k('get', 'flowschemas,prioritylevelconfigurations');
    expect(out.stderr).toBe('');
    const lines = out.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+PRIORITYLEVEL\s+MATCHINGPRECEDENCE\s+DISTINGUISHERMETHOD\s+AGE\s+MISSINGPL$/);
    // Sorted by matching precedence, as the server-side printer does.
    expect(lines[1]).toMatch(/^flowschema\.flowcontrol\.apiserver\.k8s\.io\/exempt\s+exempt\s+1\s+<none>\s+\d+s\s+False$/);
    expect(out.stdout).toMatch(/flowschema\.flowcontrol\.apiserver\.k8s\.io\/tiny\s+tiny\s+500\s+ByUser\s+\d+s\s+False/);
    expect(out.stdout).toMatch(/flowschema\.flowcontrol\.apiserver\.k8s\.io\/catch-all\s+catch-all\s+10000\s+ByUser\s+\d+s\s+False/);
    expect(out.stdout).toMatch(/NAME\s+TYPE\s+NOMINALCONCURRENCYSHARES\s+QUEUES\s+HANDSIZE\s+QUEUELENGTHLIMIT\s+AGE/);
    expect(out.stdout).toMatch(/prioritylevelconfiguration\.flowcontrol\.apiserver\.k8s\.io\/workload-low\s+Limited\s+100\s+128\s+6\s+50\s+\d+s/);
    expect(out.stdout).toMatch(/prioritylevelconfiguration\.flowcontrol\.apiserver\.k8s\.io\/exempt\s+Exempt\s+<none>\s+<none>\s+<none>\s+<none>\s+\d+s/);
    expect(out.stdout).toMatch(/prioritylevelconfiguration\.flowcontrol\.apiserver\.k8s\.io\/tiny\s+Limited\s+1\s+64\s+1\s+2\s+\d+s/);
    // The objects carry the UIDs of the response headers, and status.
    const uid = await k('get', 'flowschema', 'tiny', '-o', 'jsonpath={.metadata.uid} {.status.conditions[0].type}={.status.conditions[0].status}');
    expect(uid.stdout).toBe(`${stableUid('FlowSchema', 'tiny')} Dangling=False`);
    // Read-only here: the configuration is the scenario's for the whole run.
    expect((await k('delete', 'flowschema', 'tiny')).stderr).toMatch(/MethodNotAllowed|not allow/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a restarted replica is a new process: fresh APF counters, same configuration', async () => {
    await cp.plane.methods.stopReplica('kube-apiserver-0', 'kill');
    await cp.plane.methods.startReplica('kube-apiserver-0');
    s.close();
    s = await connect(cp.urls[0]!, opts());
    const m = await metrics();
    expect(level(m, 'dispatched_requests_total', 'tiny')).toBe(0);
    expect(level(m, 'nominal_limit_seats', 'tiny')).toBe(3);
    expect(sumOf(m, 'process_start_time_seconds')).toBeGreaterThan(0);
    const r = await get('/api/v1/namespaces/tenant/configmaps/x', 'flood-token');
    expect(r.headers['x-kubernetes-pf-flowschema-uid']).toBe(stableUid('FlowSchema', 'tiny'));
  });
});

describe('API Priority and Fairness off (--enable-priority-and-fairness=false)', () => {
  let cp: TestControlPlane | undefined;
  afterAll(async () => cp?.close());

  it('brings back the max-inflight model: no PF headers, no flowcontrol series, max-inflight 429s', async () => {
    cp = await startTestControlPlane(
      {
        apf: { ...APF, enabled: false },
        tokens: TOKENS,
        capacity: { ...FAST_CAPACITY, workers: 1, maxRequestsInflight: 2, serviceTimeMs: { ...FAST_CAPACITY.serviceTimeMs, list: 200 } },
      },
      1,
    );
    const s = await connect(cp.urls[0]!, { ca: cp.pki.authorities.ca.certPem, servername: 'kube-apiserver' });
    const results: H2Response[] = await Promise.all(
      Array.from({ length: 4 }, () => h2request(s, { ':method': 'GET', ':path': '/api/v1/namespaces/x/configmaps', authorization: 'Bearer flood-token' })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 429, 429]);
    for (const r of results) expect(r.headers['x-kubernetes-pf-flowschema-uid']).toBeUndefined();
    expect(JSON.parse(results.find((r) => r.status === 429)!.body)).toMatchObject({ kind: 'Status', reason: 'TooManyRequests' });
    const text = (await h2request(s, { ':method': 'GET', ':path': '/metrics', authorization: `Bearer ${ADMIN_TOKEN}` })).body;
    expect(text).not.toMatch(/apiserver_flowcontrol_/);
    // The flowcontrol API is still discoverable, but no configuration is stored.
    const list = await h2request(s, { ':method': 'GET', ':path': '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas', authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(JSON.parse(list.body).items).toEqual([]);
    s.close();
  });
});
