// Two control planes in one seed behind the same gateway pods (docs/scenarios.md#shared-gateway), on real sockets:
// each control plane has its own namespace, VIP, replicas and certificates; the webhook maps each pod's own public
// host to the shared internal gateway Service; the gateway routes by SNI to the control plane the host belongs to,
// and presents that control plane's serving certificate.
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { MODES } from '../../scripts/cluster/modes.ts';
import { placeholderPlan } from '../../scripts/cluster/issuedPlan.ts';
import { planCluster } from '../../scripts/cluster/plan.ts';
import { parsePrometheusText, sumOf } from '../../scripts/measure/promText.ts';
import { LocalCluster } from '../../scripts/targets/local/localCluster.ts';
import { Scenario } from '../../scenarios/schema.ts';
import { connect, h2request } from '../helpers/h2.ts';

const scenario = Scenario.parse({
  name: 't',
  topology: { controlPlane: { replicas: 2 }, neighbours: [{ name: 'quiet', replicas: 2 }], gateway: { pods: 1 } },
  clients: [
    { name: 'probe', rate: 1 },
    { name: 'other', rate: 1, controlPlane: 'quiet' },
  ],
});

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('plan: a neighbour control plane', () => {
  const plan = planCluster(scenario.topology, MODES.l7, 7, { clientGroups: scenario.clients });
  const neighbour = plan.neighbours[0]!;

  it('has its own namespace, public host, VIP and replica IPs in the same address block', () => {
    expect(neighbour.namespace).toBe('shoot--local--quiet');
    expect(neighbour.publicHost).toBe('api.quiet.local.internal.local.gardener.cloud');
    expect(neighbour.addresses.block).toBe(plan.addresses.block);
    const ips = [...plan.replicas, ...neighbour.replicas].map((r) => r.ip);
    expect(new Set(ips).size).toBe(ips.length);
    expect(neighbour.services.kubeApiserver.clusterIP).not.toBe(plan.services.kubeApiserver.clusterIP);
    expect(neighbour.services.kubeApiserver.clusterIP).not.toBe(plan.services.gatewayInternal.clusterIP);
    // Each client group belongs to exactly one control plane (its token is known there only).
    expect(plan.clientGroups).toEqual(['probe']);
    expect(neighbour.clientGroups).toEqual(['other']);
  });

  it('is served by the seed-wide parts of the plan under test: cluster DNS, kube-proxy and every gateway pod', () => {
    expect(plan.dns).toContainEqual({ namespace: neighbour.namespace, name: 'kube-apiserver', clusterIP: neighbour.services.kubeApiserver.clusterIP });
    const { components } = placeholderPlan(plan);
    expect(components.kubeProxy.services.map((s) => `${s.namespace}/${s.name}`)).toEqual([
      `${plan.namespace}/kube-apiserver`,
      `${plan.istioNamespace}/istio-ingressgateway-internal`,
      `${neighbour.namespace}/kube-apiserver`,
    ]);
    const servers = components.gateways[0]!.controlPlanes;
    expect(servers.map((s) => s.hosts)).toEqual([[plan.publicHost], [neighbour.publicHost]]);
    expect(servers[1]!.upstream.endpoints).toEqual(neighbour.replicas);
  });
});

describe('local cluster: two control planes behind one gateway', () => {
  it("admits each pod with its own control plane's kubeconfig and host alias, and the gateway routes each host to its own replicas", async () => {
    cluster = await LocalCluster.start(planCluster(scenario.topology, MODES.l7, 7, { clientGroups: scenario.clients }));
    const c = cluster;
    const quiet = c.neighbours[0]!;
    const { admitted, rejected } = await c.admitClientPods(scenario.clients);
    expect(rejected).toEqual([]);
    const probe = admitted.find((p) => p.group === 'probe')!;
    const other = admitted.find((p) => p.group === 'other')!;
    expect(other.namespace).toBe(quiet.plan.namespace);
    const gatewayVip = c.plan.services.gatewayInternal.clusterIP;
    expect(probe.hostAliases).toEqual([{ ip: gatewayVip, hostnames: [c.plan.publicHost] }]);
    expect(other.hostAliases).toEqual([{ ip: gatewayVip, hostnames: [quiet.plan.publicHost] }]);
    expect(other.kubeconfig.server).toBe(`https://${quiet.plan.publicHost}`);
    expect(other.kubeconfig.caPem).toBe(quiet.certificates.authorities.ca.certPem);

    // The gateway presents the neighbour's own serving certificate: the other control plane's CA does not verify it.
    const pod = c.gatewayPods[0]!;
    const handshake = (ca: string) =>
      new Promise<string>((resolve) => {
        const socket = tls.connect({ host: pod.ip, port: pod.port, servername: quiet.plan.publicHost, ca, ALPNProtocols: ['h2'] }, () => {
          socket.destroy();
          resolve('verified');
        });
        socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
    expect(await handshake(quiet.certificates.authorities.ca.certPem)).toBe('verified');
    expect(await handshake(c.certificates.authorities.ca.certPem)).not.toBe('verified');

    // Requests for the neighbour's host reach the neighbour's replicas only.
    const counted = async () => {
      const totals: Record<string, number> = {};
      for (const endpoint of c.replicaMetrics()) {
        const text = await endpoint.scrape();
        const total = sumOf(parsePrometheusText(text), 'apiserver_request_total');
        totals[endpoint.controlPlane ?? 'under-test'] = (totals[endpoint.controlPlane ?? 'under-test'] ?? 0) + total;
      }
      return totals;
    };
    const before = await counted();
    const session = await connect(`https://${pod.ip}:${pod.port}`, { ca: quiet.certificates.authorities.ca.certPem, servername: quiet.plan.publicHost });
    /** A list of ConfigMaps for a control plane's host, as that control plane's admin, on the neighbour's connection. */
    const listConfigMaps = (plan: { publicHost: string; tokens: { shootAdmin: string } }) =>
      h2request(session, {
        ':method': 'GET',
        ':path': '/api/v1/namespaces/default/configmaps',
        ':authority': plan.publicHost,
        authorization: `Bearer ${plan.tokens.shootAdmin}`,
      });
    try {
      for (let i = 0; i < 20; i++) expect((await listConfigMaps(quiet.plan)).status).toBe(200);
      // A request on the neighbour's connection for the other control plane's host is misdirected (Gardener's
      // misdirected-requests Lua filter): it never reaches either control plane's replicas.
      expect((await listConfigMaps(c.plan)).status).toBe(421);
    } finally {
      session.close();
    }
    const after = await counted();
    expect(after.quiet! - before.quiet!).toBe(20);
    expect(after['under-test']).toBe(before['under-test']);
    const stats = (await c.networkStats()).gateways[0]!;
    const toNeighbour = Object.values(stats.clusters[`default|${quiet.plan.publicHost}`] ?? {}).reduce((s, h) => s + h.requests, 0);
    expect(toNeighbour).toBe(20);
    expect(Object.keys(stats.clusters[`default|${quiet.plan.publicHost}`] ?? {}).sort()).toEqual(['kube-apiserver-0', 'kube-apiserver-1']);
  }, 60_000);
});
