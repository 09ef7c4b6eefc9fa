// The binary target end to end, on the real components as processes (docs/binary-target.md): one l7 cluster of a
// small scenario, then what each piece must do for real. Admission runs through the seed's real
// MutatingAdmissionWebhook plugin and our webhook (the admitted pod's hosts file carries the hostAlias); refusals come
// back in kube-apiserver's words; Gardener's Lua filter in real Envoy drops a client-supplied X-Remote-User; the
// events stop and start replicas, gateway pods and the webhook; close() leaves no namespace behind.
import fs from 'node:fs';
import https from 'node:https';
import { describe, expect } from 'vitest';
import { Scenario, type ClientGroup } from '../../../scenarios/schema.ts';
import type { BinaryCluster } from '../../../scripts/targets/binary/binaryCluster.ts';
import { publishEndpoints } from '../../../scripts/targets/binary/endpointSlices.ts';
import type { KubeApi } from '../../../scripts/targets/binary/kubeApi.ts';
import { run } from '../../../scripts/targets/binary/network/hostTools.ts';
import { otherRunsAlive } from '../../../scripts/targets/binary/network/runNames.ts';
import { binaryClusterFixture } from './clusterFixture.ts';
import { itWithNetwork } from './network/networkTestHelpers.ts';

const it = itWithNetwork('etcd', 'kube-apiserver', 'kube-proxy', 'envoy', 'loadclient');
const scenario = Scenario.parse({
  name: 'binary-e2e',
  description: 'binary target end to end',
  modes: ['l7'],
  topology: { controlPlane: { replicas: 2 }, gateway: { pods: 1 } },
  clients: [{ name: 'probe-client', count: 1, rate: 1 }],
});
const group = scenario.clients[0] as ClientGroup;

const booted = binaryClusterFixture(scenario, 7);

/** POST a SelfSubjectReview through the gateway (SNI and :authority the public host), with extra headers. */
function whoAmIThroughGateway(c: BinaryCluster, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return whoAmI(c, c.plan.gatewayPods[0]!, headers);
}

/** POST a SelfSubjectReview to an address (a gateway pod, a ClusterIP) from the node, as the client group's user. */
function whoAmI(c: BinaryCluster, address: { ip: string; port: number }, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const booted_ = (
    c as unknown as { booted: { network: { tunnel: { httpsAgent(o: https.AgentOptions): https.Agent } }; ctx: { pems: { authority(id: string): string } } } }
  ).booted;
  const agent = booted_.network.tunnel.httpsAgent({ ca: booted_.ctx.pems.authority('ca'), servername: c.plan.publicHost });
  const body = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: address.ip,
        port: address.port,
        servername: c.plan.publicHost,
        method: 'POST',
        path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        agent,
        headers: { host: c.plan.publicHost, 'content-type': 'application/json', authorization: `Bearer ${c.plan.tokens.clientGroups[group.name]}`, ...headers },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('the binary target on the real components', () => {
  it('admits a client pod through the real webhook: its hosts file maps the public name to the gateway VIP', async () => {
    const c = booted();
    const admission = await c.admitClientPods([group]);
    expect(admission.rejected.map((r) => r.message)).toEqual([]);
    const [pod] = admission.admitted;
    expect(pod!.hostAliases).toEqual([{ ip: c.plan.services.gatewayInternal.clusterIP, hostnames: [c.plan.publicHost] }]);
    const fleet = await c.startClients(admission.admitted);
    try {
      const namespaces = (await run('ip', ['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]!);
      const hostsFiles = namespaces.map((ns) => `/etc/netns/${ns}/hosts`).filter((f) => fs.existsSync(f));
      const podHosts = hostsFiles.map((f) => fs.readFileSync(f, 'utf8')).find((text) => text.includes(`\t${pod!.name}`) || text.includes(` ${pod!.name}`));
      expect(podHosts).toContain('# Entries added by HostAliases.');
      expect(podHosts).toMatch(
        new RegExp(`^${c.plan.services.gatewayInternal.clusterIP.replace(/\./g, '\\.')}\\s+${c.plan.publicHost.replace(/\./g, '\\.')}$`, 'm'),
      );
      const prepared = await fleet.prepare();
      expect(prepared.failed).toEqual([]);
      expect(prepared.answered).toBeGreaterThan(0);
    } finally {
      await fleet.close();
    }
  }, 120_000);

  it("Gardener's Lua filter in real Envoy: a client-supplied X-Remote-User never reaches the replica", async () => {
    const c = booted();
    const answer = await whoAmIThroughGateway(c, { 'x-remote-user': 'system:admin', 'x-remote-group': 'system:masters' });
    expect(answer.status).toBe(201);
    const user = (JSON.parse(answer.body) as { status: { userInfo: { username: string; groups: string[] } } }).status.userInfo;
    expect(user.username).toBe(`system:serviceaccount:kube-system:${group.name}`);
    expect(user.groups).not.toContain('system:masters');
  }, 60_000);

  it("counts requests and connections from Envoy's admin and the node's kernel, and every process's CPU", async () => {
    const c = booted();
    await c.componentHealth(true);
    const viaGateway = await whoAmIThroughGateway(c, {});
    const viaService = await whoAmI(c, { ip: c.plan.services.kubeApiserver.clusterIP, port: c.plan.services.kubeApiserver.port });
    expect([viaGateway.status, viaService.status]).toEqual([201, 201]);
    const network = await c.networkStats();
    const gateway = network.gateways.find((g) => g.pod === 'istio-ingressgateway-0')!;
    const requests = Object.values(gateway.clusters.default ?? {}).reduce((sum, host) => sum + host.requests, 0);
    expect(Object.keys(gateway.clusters.default ?? {}).sort()).toEqual(['kube-apiserver-0', 'kube-apiserver-1']);
    expect(requests).toBeGreaterThanOrEqual(1);
    expect(gateway.downstreamStreams).toBeGreaterThanOrEqual(1);
    // Envoy keeps its upstream HTTP/2 connection: the replica it used has one from the gateway, in Envoy's count and the kernel's.
    const used = Object.entries(gateway.upstreamConnections)
      .filter(([, n]) => n > 0)
      .map(([replica]) => replica);
    expect(used.length).toBeGreaterThanOrEqual(1);
    const perReplica = await c.replicaConnections();
    for (const replica of used) expect(perReplica[replica]).toBeGreaterThanOrEqual(1);
    // The ClusterIP request went through kube-proxy's DNAT: one connection opened to one of the two replicas.
    const service = network.kubeProxy.find((s) => s.service === `${c.plan.namespace}/kube-apiserver`)!;
    expect(Object.values(service.backends).reduce((sum, b) => sum + b.opened, 0)).toBeGreaterThanOrEqual(1);
    const processes = await c.componentHealth();
    expect(processes.filter((p) => p.kind === 'kube-apiserver').map((p) => p.realProcess)).toEqual([true, true, true]);
    // Envoy's CPU in this short window may be under one 10 ms tick: its row is there, measured from 0.
    expect(processes.find((p) => p.kind === 'envoy')).toMatchObject({ realProcess: true, component: 'istio-ingressgateway-0' });
    expect(processes.every((p) => p.cpuMs >= 0)).toBe(true);
  }, 60_000);

  it('stops and starts a replica, a gateway pod and the webhook; a refusal comes back in kube-apiserver words', async () => {
    const c = booted();
    const killed = await c.apply({ type: 'stop-apiserver', replica: 'kube-apiserver-1', mode: 'kill' });
    expect(killed.detail).toBe('kube-apiserver-1 stopped (kill)');
    expect((await c.members()).replicas).toEqual(['kube-apiserver-0']);
    const started = await c.apply({ type: 'start-apiserver', replica: 'kube-apiserver-1' });
    expect(started.readyMs).toBeGreaterThan(0);
    expect((await c.members()).replicas).toEqual(['kube-apiserver-0', 'kube-apiserver-1']);

    await c.apply({ type: 'add-gateway' });
    expect((await c.members()).gatewayPods).toEqual(['istio-ingressgateway-0', 'istio-ingressgateway-1']);
    await c.apply({ type: 'remove-gateway', pod: 'istio-ingressgateway-0' });
    expect((await c.members()).gatewayPods).toEqual(['istio-ingressgateway-1']);

    await c.apply({ type: 'stop-webhook' });
    const refused = await c.admitClientPods([group]);
    expect(refused.admitted).toEqual([]);
    expect(refused.rejected[0]!.code).toBe(500);
    expect(refused.rejected[0]!.message).toMatch(
      /^Internal error occurred: failed calling webhook "[^"]+": failed to call webhook: Post "https:\/\/gardener-resource-manager\.garden\.svc:443/,
    );
    await c.apply({ type: 'start-webhook' });
    const again = await c.admitClientPods([group]);
    expect(again.rejected).toEqual([]);
  }, 180_000);

  it('reads a gracefully stopped replica through its shutdown delay and hands over its last /metrics', async () => {
    const c = booted();
    const stopped = await c.apply({ type: 'stop-apiserver', replica: 'kube-apiserver-1', mode: 'graceful' });
    expect(stopped.finalMetrics?.map((m) => m.replica)).toEqual(['kube-apiserver-1']);
    expect(stopped.finalMetrics![0]!.text).toMatch(/^apiserver_request_total\{/m);
    // Its last /metrics come from the end of its 15 s shutdown delay at the earliest, not from before SIGTERM (the
    // detail names the unread time when it is over half a second).
    const unread = /last \/metrics read ([\d.]+) s before its process ended/.exec(stopped.detail)?.[1];
    expect(Number(unread ?? 0)).toBeLessThan(15);
    await c.apply({ type: 'start-apiserver', replica: 'kube-apiserver-1' });
    expect((await c.members()).replicas).toEqual(['kube-apiserver-0', 'kube-apiserver-1']);
  }, 120_000);

  it('deletes and puts back a seed object, and points new pods at another kubeconfig server, through the seed API', async () => {
    const c = booted();
    const seed = (c as unknown as { booted: { runtime: { seed: { get<T>(path: string): Promise<T | undefined> } } } }).booted.runtime.seed;
    const configMap = `/api/v1/namespaces/${c.plan.namespace}/configmaps/istio-internal-load-balancing`;
    expect(await seed.get(configMap)).toBeDefined();
    await c.apply({ type: 'delete-seed-object', object: 'configmap/istio-internal-load-balancing' });
    expect(await seed.get(configMap)).toBeUndefined();
    await c.apply({ type: 'recreate-seed-object', object: 'configmap/istio-internal-load-balancing' });
    expect(await seed.get<{ data: Record<string, string> }>(configMap)).toMatchObject({ data: { hosts: c.plan.publicHost } });

    const changed = await c.apply({ type: 'set-kubeconfig-server', address: 'kube-apiserver' });
    expect(changed.detail).toMatch(/^generic kubeconfig generic-token-kubeconfig-[0-9a-f]{8} points at https:\/\/kube-apiserver$/);
    const name = /generic-token-kubeconfig-[0-9a-f]{8}/.exec(changed.detail)![0];
    const secret = await seed.get<{ data: { kubeconfig: string } }>(`/api/v1/namespaces/${c.plan.namespace}/secrets/${name}`);
    expect(Buffer.from(secret!.data.kubeconfig, 'base64').toString()).toContain('server: https://kube-apiserver');
    const [pod] = (await c.admitClientPods([group])).admitted;
    expect(pod!.kubeconfig.server).toBe('https://kube-apiserver');
  }, 60_000);

  it('publishes an EndpointSlice from several callers at once (server-side apply: the last one wins, none fails)', async () => {
    const c = booted();
    const seed = (c as unknown as { booted: { runtime: { seed: KubeApi } } }).booted.runtime.seed;
    const ns = c.plan.namespace;
    const publishes = Array.from({ length: 4 }, (_, i) =>
      publishEndpoints(seed, ns, 'race-probe', { port: 443 }, [{ name: `p-${i}`, ip: `198.18.9.${i + 1}` }]),
    );
    await Promise.all(publishes);
    const slice = await seed.get<{ endpoints: { addresses: string[] }[] }>(`/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices/race-probe-binary`);
    expect(slice!.endpoints).toHaveLength(1);
  }, 30_000);

  it('close() removes every namespace, process and file of the run', async () => {
    const c = booted();
    const runNamespaces = (c as unknown as { booted: { network: { namespaces(): string[]; dir: string; runId: string } } }).booted.network;
    const names = runNamespaces.namespaces();
    const dir = runNamespaces.dir;
    expect(names.length).toBeGreaterThan(3);
    const othersBefore = otherRunsAlive(runNamespaces.runId);
    await c.close();
    const left = (await run('ip', ['netns', 'list'])).split('\n').map((l) => l.split(' ')[0]!);
    expect(left.filter((n) => names.includes(n))).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
    // The replicas' mount points are removed too, unless another binary-target run was alive (then the last one does).
    const otherRuns = othersBefore || left.some((n) => n.startsWith('lbbin-'));
    if (!otherRuns) expect(fs.existsSync('/srv/kubernetes')).toBe(false);
  }, 120_000);
});
