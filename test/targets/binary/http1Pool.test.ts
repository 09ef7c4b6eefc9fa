// The http1-pool profile on the binary target (docs/load-client.md#the-http1-pool-profile): the Go load client's pool
// of keep-alive HTTP/1.1 connections, admitted by the real webhook, reaches the real kube-apiservers through the
// ClusterIP Service, where the real kube-proxy's rules assign each of its connections on its own. A pool of 9 at
// 45 req/s for 2 s: 9 connections, every request answered, and the replicas share them (all 9 on one of 3 replicas
// has probability 3 / 3^9 < 2e-4 under kube-proxy's random choice).
import { describe, expect } from 'vitest';
import { Scenario } from '../../../scenarios/schema.ts';
import { binaryClusterFixture } from './clusterFixture.ts';
import { itWithNetwork } from './network/networkTestHelpers.ts';

const it = itWithNetwork('etcd', 'kube-apiserver', 'kube-proxy', 'envoy', 'loadclient');
const scenario = Scenario.parse({
  name: 'binary-http1-pool',
  modes: ['direct'],
  topology: { controlPlane: { replicas: 3 }, gateway: { pods: 1 } },
  clients: [{ name: 'pool', count: 1, profile: 'http1-pool', rate: 45, qps: 1000, http1: { connections: 9 } }],
});

const booted = binaryClusterFixture(scenario, 12, 240_000, 'direct');

describe('the http1-pool profile on the binary target', () => {
  it("spreads its keep-alive connections over the replicas through kube-proxy's rules", async () => {
    const c = booted();
    const admission = await c.admitClientPods(scenario.clients);
    expect(admission.rejected).toEqual([]);
    const fleet = await c.startClients(admission.admitted);
    try {
      expect((await fleet.prepare()).failed).toEqual([]);
      const before = await c.networkStats();
      const [result] = await fleet.run({ durationMs: 2000, maxRequests: 1000, drainTimeoutMs: 5000 });
      expect(result!.errors).toEqual({});
      expect(result!.finalByCode).toEqual({ 200: 90 });
      expect(result!.connections.opened).toBe(9);
      const opened = (stats: typeof before) => {
        const service = stats.kubeProxy.find((s) => s.service === `${c.plan.namespace}/kube-apiserver`)!;
        return Object.fromEntries(Object.entries(service.backends).map(([replica, b]) => [replica, b.opened]));
      };
      const after = opened(await c.networkStats());
      const earlier = opened(before);
      const perReplica = Object.entries(after).map(([replica, n]) => n - (earlier[replica] ?? 0));
      // The pool's 9 connections, each a kube-proxy choice of its own.
      expect(perReplica.reduce((a, b) => a + b, 0)).toBe(9);
      expect(perReplica.filter((n) => n > 0).length).toBeGreaterThan(1);
    } finally {
      await fleet.close();
    }
  }, 180_000);
});
