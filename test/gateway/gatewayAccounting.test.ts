// The shared gateway's accounting on real sockets (docs/scenarios.md#gateway-accounting): a gateway pod counts the
// downstream connections open now, the requests in flight and their peak, and its upstream connections per control
// plane and per replica; gatewayAccounting names them by the control planes' namespaces and the results' replica names.
import { afterEach, describe, expect, it } from 'vitest';
import { MODES } from '../../scripts/cluster/modes.ts';
import { planCluster } from '../../scripts/cluster/plan.ts';
import { gatewayAccounting, REAL_GATEWAY_NOTE, SIMULATED_GATEWAY_NOTE } from '../../scripts/runner/gatewayAccounting.ts';
import { LocalCluster } from '../../scripts/targets/local/localCluster.ts';
import { Scenario } from '../../scenarios/schema.ts';
import { connect, h2request } from '../helpers/h2.ts';
import { waitFor } from '../../scripts/core/poll.ts';

const slowGets = { replicas: 2, capacity: { workers: 8, serviceTime: { get: 300 } } };
const scenario = Scenario.parse({
  name: 'accounting',
  modes: ['l7'],
  topology: { controlPlane: slowGets, neighbours: [{ name: 'shoot', count: 2, ...slowGets }], gateway: { pods: 1 } },
  clients: [{ name: 'probe', rate: 1 }],
});

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('gateway accounting', () => {
  it('counts open downstream connections, requests in flight at their peak, and upstream connections per control plane and replica', async () => {
    cluster = await LocalCluster.start(planCluster(scenario.topology, MODES.l7, 9, { clientGroups: scenario.clients }));
    const c = cluster;
    const gateway = c.gatewayPods[0]!;
    const planes = [
      { plan: c.plan, ca: c.certificates.authorities.ca.certPem },
      ...c.neighbours.map((n) => ({ plan: n.plan, ca: n.certificates.authorities.ca.certPem })),
    ];
    const sessions = await Promise.all(planes.map((p) => connect(`https://${gateway.ip}:${gateway.port}`, { ca: p.ca, servername: p.plan.publicHost })));
    try {
      // 4 concurrent GETs per control plane, each held 300 ms by the replica: 12 in flight at once.
      const answers = await Promise.all(
        planes.flatMap((p, i) =>
          Array.from({ length: 4 }, () =>
            h2request(sessions[i]!, {
              ':method': 'GET',
              ':path': '/api/v1/namespaces/default/configmaps/x',
              ':authority': p.plan.publicHost,
              authorization: `Bearer ${p.plan.tokens.shootAdmin}`,
            }),
          ),
        ),
      );
      expect(answers.map((a) => a.status).every((s) => s === 404)).toBe(true);
      const stats = (await c.networkStats()).gateways[0]!;
      expect(stats.downstreamConnectionsOpen).toBe(3);
      expect(stats.activeRequests).toBe(0);
      expect(stats.activeRequestsPeak).toBe(12);
      expect(stats.heapUsedBytes).toBeGreaterThan(1 << 20);

      const health = await c.componentHealth();
      const accounting = gatewayAccounting(scenario, await c.networkStats(), health)!;
      expect(accounting.note).toBe(SIMULATED_GATEWAY_NOTE);
      const pod = accounting.pods[0]!;
      // LEAST_REQUEST spreads 4 concurrent requests over both replicas: one upstream HTTP/2 connection to each.
      expect(pod.upstreamByControlPlane).toEqual({ 'shoot--local--hot': 2, 'shoot--local--shoot-1': 2, 'shoot--local--shoot-2': 2 });
      expect(Object.keys(accounting.replicas).sort()).toEqual([
        'kube-apiserver-0',
        'kube-apiserver-1',
        'shoot-1/kube-apiserver-0',
        'shoot-1/kube-apiserver-1',
        'shoot-2/kube-apiserver-0',
        'shoot-2/kube-apiserver-1',
      ]);
      expect(accounting.upstreamPerReplicaMax).toBe(1);
      expect(pod.requests).toBe(12);
      expect(pod.activeRequests).toEqual({ now: 0, peak: 12 });
      expect(Number.isFinite(pod.cpuCores)).toBe(true);
    } finally {
      for (const s of sessions) s.close();
    }
    // The downstream connections close: the pod's open count follows.
    const openNow = async () => (await c.networkStats()).gateways[0]!.downstreamConnectionsOpen;
    await waitFor(async () => (await openNow()) === 0, {
      timeoutMs: 5_000,
      intervalMs: 50,
      what: 'the gateway pod to count its downstream connections closed',
    });
    expect(await openNow()).toBe(0);
  }, 60_000);
});

describe('gateway accounting of real Envoy pods', () => {
  it("says its CPU and memory are the real process's when the gateway pods are real processes", () => {
    const scenario = Scenario.parse({ name: 'real', clients: [{ name: 'c', rate: 1 }] });
    const pod = {
      pod: 'istio-ingressgateway-0',
      mode: 'terminate' as const,
      downstreamConnections: 2,
      downstreamStreams: 10,
      localReplies: {},
      retries: 0,
      upstreamConnectionsOpened: 1,
      upstreamConnections: { 'kube-apiserver-0': 1 },
      clusters: { default: { 'kube-apiserver-0': { requests: 10, active: 0 } } },
      rejectedConnections: {},
      heapUsedBytes: 8 * 2 ** 20,
    };
    const health = { windowMs: 1000, loopDelayP50Ms: NaN, loopDelayP99Ms: NaN, loopDelayMaxMs: NaN, utilization: NaN, cpuMs: 250 };
    const real = gatewayAccounting(scenario, { kubeProxy: [], gateways: [pod] }, [{ component: pod.pod, kind: 'envoy', realProcess: true, ...health }])!;
    expect(real.note).toBe(REAL_GATEWAY_NOTE);
    expect(real.pods[0]).toMatchObject({ cpuCores: 0.25, memoryMiB: 8 });
    const simulated = gatewayAccounting(scenario, { kubeProxy: [], gateways: [pod] }, [{ component: pod.pod, kind: 'gateway-pod', ...health }])!;
    expect(simulated.note).toBe(SIMULATED_GATEWAY_NOTE);
  });
});
