// The real kube-proxy (v1.34.10, iptables mode) in the node namespace of a binary-target run
// (docs/binary-target-network.md#kube-proxy): from a Service and its EndpointSlice in a real seed kube-apiserver it
// writes the KUBE-SVC/KUBE-SEP chains with kube-proxy's `statistic --mode random` probabilities, 300 new connections
// from a pod namespace spread over the 3 endpoints within the binomial bound (docs/theory.md style: mean N/3, 4
// standard deviations), the backends see the pod's own IP (no masquerade inside the cluster CIDR), a process of the
// node namespace reaches the ClusterIP too (OUTPUT), and an endpoint published later is picked up.
import { afterEach, describe, expect } from 'vitest';
import { run } from '../../../../scripts/targets/binary/network/hostTools.ts';
import { serviceAddress } from '../../../../scripts/targets/binary/network/addresses.ts';
import { natTable, serviceRules, waitForServiceRules } from '../../../../scripts/targets/binary/network/iptablesRules.ts';
import { startKubeProxy } from '../../../../scripts/targets/binary/network/kubeProxyProcess.ts';
import { NetworkRun } from '../../../../scripts/targets/binary/network/networkRun.ts';
import { binaryPath } from '../../../helpers/binaries.ts';
import { connectionsFrom, itWithNetwork, startEchoServers } from './networkTestHelpers.ts';
import { startSeedInNode, type Seed } from './seedInNode.ts';

const runs: NetworkRun[] = [];
afterEach(async () => {
  for (const network of runs.splice(0)) await network.close();
});

const BACKEND_PORT = 8080;
const CONNECTIONS = 300;

function endpointSlice(addresses: string[]): object {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'echo-manual',
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': 'echo', 'endpointslice.kubernetes.io/managed-by': 'binary-target' },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: BACKEND_PORT, protocol: 'TCP' }],
    endpoints: addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false } })),
  };
}

async function created(seed: Seed, urlPath: string, object: object): Promise<void> {
  const response = await seed.kube('POST', urlPath, object);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
}

/** |count − N·p| ≤ 4·√(N·p·(1−p)) for every backend (a false alarm once in ~16,000 backends). */
function expectBinomialShares(byBackend: Record<string, number>, backends: string[], total: number): void {
  const p = 1 / backends.length;
  const sd = Math.sqrt(total * p * (1 - p));
  expect(Object.keys(byBackend).sort()).toEqual([...backends].sort());
  for (const backend of backends) {
    const count = byBackend[backend]!;
    expect(Math.abs(count - total * p), `${backend}: ${count} of ${total} (mean ${(total * p).toFixed(1)}, 4σ = ${(4 * sd).toFixed(1)})`).toBeLessThanOrEqual(
      4 * sd,
    );
  }
}

describe('the real kube-proxy in the node namespace', () => {
  itWithNetwork('etcd', 'kube-apiserver', 'kube-proxy')(
    "programs kube-proxy's random per-connection choice from a real seed's EndpointSlices; pods' connections follow it, and a later endpoint is picked up",
    async () => {
      const network = await NetworkRun.create({ closeOnInterrupt: false });
      runs.push(network);
      const seed = await startSeedInNode(network);
      const backends = [await network.addComponent(), await network.addComponent(), await network.addComponent(), await network.addComponent()];
      await startEchoServers(network, network.node.enter, BACKEND_PORT, backends);
      await startKubeProxy({
        network,
        binary: binaryPath('kube-proxy'),
        seed: { server: seed.server, token: seed.token },
        createNode: (node) => created(seed, '/api/v1/nodes', node),
      });

      const clusterIp = serviceAddress(0);
      await created(seed, '/api/v1/namespaces/default/services', {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'echo', namespace: 'default' },
        spec: { clusterIP: clusterIp, ports: [{ name: 'http', port: 80, targetPort: BACKEND_PORT, protocol: 'TCP' }] },
      });
      const first = backends.slice(0, 3);
      await created(seed, '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', endpointSlice(first));
      const rules = await waitForServiceRules(
        network.node.name,
        'default/echo:http',
        first.map((ip) => `${ip}:${BACKEND_PORT}`),
      );
      expect(rules).toMatchObject({ clusterIp, port: 80 });
      expect(rules.endpoints.map((e) => e.probability)).toEqual(['0.33333333349', '0.50000000000', undefined]);
      expect(rules.endpoints.map((e) => e.dnatTo)).toEqual(rules.endpoints.map((e) => e.endpoint));
      expect(rules.svcChain).toMatch(/^KUBE-SVC-[A-Z0-9]{16}$/);
      expect(rules.endpoints.every((e) => /^KUBE-SEP-[A-Z0-9]{16}$/.test(e.sepChain))).toBe(true);
      // The rule lines themselves, as kube-proxy writes them.
      const save = await natTable(network.node.name);
      expect(save).toContain(
        `-A ${rules.svcChain} -m comment --comment "default/echo:http -> ${rules.endpoints[0]!.endpoint}" -m statistic --mode random --probability 0.33333333349 -j ${rules.endpoints[0]!.sepChain}`,
      );
      expect(save).toContain(
        `-A KUBE-SERVICES -d ${clusterIp}/32 -p tcp -m comment --comment "default/echo:http cluster IP" -m tcp --dport 80 -j ${rules.svcChain}`,
      );

      // 300 new connections from a pod, through PREROUTING. The node forwards between its bridge's ports and bridged
      // frames cross iptables, as on a kubenet node (Services whose endpoints are pods need both).
      expect(await run('ip', ['netns', 'exec', network.node.name, 'cat', '/proc/sys/net/bridge/bridge-nf-call-iptables'])).toBe('1');
      expect(await run('ip', ['netns', 'exec', network.node.name, 'cat', '/proc/sys/net/ipv4/ip_forward'])).toBe('1');
      const pod = await network.addPod({ name: 'client-0', namespace: 'default' });
      const fromPod = await connectionsFrom(pod.enter, `http://${clusterIp}/`, CONNECTIONS);
      expect(fromPod.errors).toEqual([]);
      expectBinomialShares(fromPod.byBackend, first, CONNECTIONS);
      expect(fromPod.sources).toEqual({ [pod.ip]: CONNECTIONS });
      // A process of the node namespace, through OUTPUT.
      const fromNode = await connectionsFrom(network.node.enter, `http://${clusterIp}/`, 30);
      expect(fromNode.errors).toEqual([]);
      expect(Object.values(fromNode.byBackend).reduce((a, b) => a + b, 0)).toBe(30);

      // The endpoints controller publishes a fourth endpoint: kube-proxy rewrites the chain, new connections use it.
      const slice = await seed.kube('GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/echo-manual');
      const updated = {
        ...endpointSlice(backends),
        metadata: { ...(endpointSlice(backends) as any).metadata, resourceVersion: slice.body.metadata.resourceVersion },
      };
      const put = await seed.kube('PUT', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/echo-manual', updated);
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      const four = await waitForServiceRules(
        network.node.name,
        'default/echo:http',
        backends.map((ip) => `${ip}:${BACKEND_PORT}`),
      );
      expect(four.endpoints.map((e) => e.probability)).toEqual(['0.25000000000', '0.33333333349', '0.50000000000', undefined]);
      const afterUpdate = await connectionsFrom(pod.enter, `http://${clusterIp}/`, 200);
      expect(afterUpdate.errors).toEqual([]);
      expectBinomialShares(afterUpdate.byBackend, backends, 200);
      // Only this Service and default/kubernetes are programmed, and only in the node namespace.
      expect([...serviceRules(await natTable(network.node.name)).keys()].sort()).toEqual(['default/echo:http', 'default/kubernetes:https']);
      const machine = await run('iptables-save', ['-t', 'nat']);
      expect(machine).not.toContain(clusterIp);
      expect(machine).not.toContain(rules.svcChain);
    },
    180_000,
  );
});
