// Neighbour control planes on the binary target (docs/binary-target.md#neighbours): a second shoot's control plane in
// its own seed namespace, with its own etcd, replica and certificates, behind the same real Envoy gateway pods. Its
// client pod is admitted by the real webhook with the neighbour's public host, reaches the neighbour's replica through
// the shared gateway, and the runner reads that replica under the neighbour's name.
import { describe, expect } from 'vitest';
import { Scenario } from '../../../scenarios/schema.ts';
import { binaryClusterFixture } from './clusterFixture.ts';
import { itWithNetwork } from './network/networkTestHelpers.ts';

const it = itWithNetwork('etcd', 'kube-apiserver', 'kube-proxy', 'envoy', 'loadclient');
const scenario = Scenario.parse({
  name: 'binary-neighbours',
  modes: ['l7'],
  topology: { controlPlane: { replicas: 1 }, neighbours: [{ name: 'quiet', replicas: 1 }], gateway: { pods: 1 } },
  clients: [
    { name: 'own-client', count: 1, rate: 1 },
    { name: 'neighbour-client', controlPlane: 'quiet', count: 1, rate: 1 },
  ],
});

const booted = binaryClusterFixture(scenario, 11, 240_000);

describe('a neighbour control plane on the binary target', () => {
  it('admits, serves and counts the neighbour’s client through the shared gateway', async () => {
    const c = booted();
    const neighbour = c.plan.neighbours[0]!;
    const admission = await c.admitClientPods(scenario.clients);
    expect(admission.rejected).toEqual([]);
    const pod = admission.admitted.find((p) => p.group === 'neighbour-client')!;
    expect(pod.namespace).toBe(neighbour.namespace);
    expect(pod.hostAliases).toEqual([{ ip: c.plan.services.gatewayInternal.clusterIP, hostnames: [neighbour.publicHost] }]);
    const fleet = await c.startClients(admission.admitted);
    try {
      const prepared = await fleet.prepare();
      expect(prepared.failed).toEqual([]);
      expect(c.replicaMetrics().map((m) => [m.replica, m.controlPlane])).toEqual([
        ['kube-apiserver-0', undefined],
        ['quiet/kube-apiserver-0', 'quiet'],
      ]);
      // Each pod's warm-up went to its own control plane's replica, through the one gateway pod.
      const gateway = (await c.networkStats()).gateways[0]!;
      expect(gateway.clusters.default?.['kube-apiserver-0']?.requests).toBeGreaterThan(0);
      expect(gateway.clusters[`default|${neighbour.publicHost}`]?.['kube-apiserver-0']?.requests).toBeGreaterThan(0);
    } finally {
      await fleet.close();
    }
  }, 180_000);
});
