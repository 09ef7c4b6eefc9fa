// The local target's cluster while it runs, on real sockets: every topology change the timeline events use
// (scripts/cluster/changes.ts), observed the way a client would see it (resets, refused pods) and the way kube-proxy
// and the gateways see it (their per-endpoint counters). Each test starts its own small cluster.
import { afterEach, describe, expect, it } from 'vitest';
import { MODES } from '../../scripts/cluster/modes.ts';
import { planCluster } from '../../scripts/cluster/plan.ts';
import { leaseAddressBlock } from '../../scripts/targets/local/addressLease.ts';
import { LocalCluster } from '../../scripts/targets/local/localCluster.ts';
import { Scenario, type ClientGroup } from '../../scenarios/schema.ts';
import { h2request } from '../helpers/h2.ts';
import { addAndDeleteGatewayPod, connectThroughVip, sessionTo, throughGateway } from '../helpers/localClusterProbes.ts';

const GROUP: ClientGroup = Scenario.parse({ name: 't', clients: [{ name: 'probe', rate: 1 }] }).clients[0]!;

function topology(readinessDelay = '0s') {
  return Scenario.parse({ name: 't', clients: [{ name: 'probe', rate: 1 }], topology: { controlPlane: { replicas: 3, readinessDelay }, gateway: { pods: 2 } } })
    .topology;
}

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

async function start(readinessDelay?: string, block?: number): Promise<LocalCluster> {
  cluster = await LocalCluster.start(
    planCluster(topology(readinessDelay), MODES.l7, 11, { clientGroups: [GROUP], ...(block !== undefined ? { addressBlock: block } : {}) }),
  );
  return cluster;
}

describe('local cluster: a plan moved to a free address block', () => {
  it('starts with certificates for its new addresses, and admission through the webhook works there', async () => {
    const taken = await leaseAddressBlock();
    try {
      const c = await start(undefined, taken.block);
      expect(c.plan.addresses.block).not.toBe(taken.block);
      const { admitted, rejected } = await c.admitClientPods([GROUP]);
      expect(rejected).toEqual([]);
      // The webhook (reading the seed kube-apiserver by IP, so the IP SAN must match) added the alias to the moved VIP.
      expect(admitted[0]!.hostAliases).toEqual([{ ip: c.plan.services.gatewayInternal.clusterIP, hostnames: [c.plan.publicHost] }]);
    } finally {
      await taken.release();
    }
  });
});

describe('local cluster: kube-apiserver replicas while load runs', () => {
  it("kill resets the replica's connections and takes it out of kube-proxy and the gateways; start brings it back only once ready", async () => {
    const c = await start('700ms');
    const direct = await sessionTo(c, 'kube-apiserver-1');
    const killed = await c.apply({ type: 'stop-apiserver', replica: 'kube-apiserver-1', mode: 'kill' });
    expect(await direct.ended).toMatch(/^(ECONNRESET|closed)$/); // reset, not a GOAWAY
    expect(killed.detail).toMatch(/kube-apiserver-1 stopped \(kill\)/);
    expect((await connectThroughVip(c, 30))['kube-apiserver-1'] ?? 0).toBe(0);
    expect((await throughGateway(c, 30))['kube-apiserver-1'] ?? 0).toBe(0);

    const starting = c.apply({ type: 'start-apiserver', replica: 'kube-apiserver-1' });
    // While it starts (the readiness delay), nothing is sent to it.
    expect((await connectThroughVip(c, 20))['kube-apiserver-1'] ?? 0).toBe(0);
    const started = await starting;
    expect(started.readyMs).toBeGreaterThanOrEqual(650);
    // Ready again: iptables mode picks it for about a third of new connections (P(none of 30) = (2/3)^30 < 1e-5),
    // and P2C sends it requests again.
    expect((await connectThroughVip(c, 30))['kube-apiserver-1']).toBeGreaterThan(0);
    expect((await throughGateway(c, 30))['kube-apiserver-1']).toBeGreaterThan(0);
  });

  it("a graceful stop sends GOAWAY to the replica's clients; restart reports the time until it is ready", async () => {
    const c = await start('300ms');
    const direct = await sessionTo(c, 'kube-apiserver-0');
    expect((await h2request(direct.session, { ':method': 'GET', ':path': '/version' })).status).toBe(200);
    await c.apply({ type: 'stop-apiserver', replica: 'kube-apiserver-0', mode: 'graceful' });
    expect(await direct.ended).toBe('GOAWAY');
    expect((await connectThroughVip(c, 20))['kube-apiserver-0'] ?? 0).toBe(0);
    await c.apply({ type: 'start-apiserver', replica: 'kube-apiserver-0' });
    const restarted = await c.apply({ type: 'restart-apiserver', replica: 'kube-apiserver-0', mode: 'kill' });
    expect(restarted.readyMs).toBeGreaterThanOrEqual(280);
    expect((await connectThroughVip(c, 30))['kube-apiserver-0']).toBeGreaterThan(0);
  });

  it('adds a replica that gets new connections and requests once ready, and removes it again', async () => {
    const c = await start();
    const added = await c.apply({ type: 'add-apiserver' });
    expect(added.detail).toMatch(/kube-apiserver-3 added and ready/);
    expect(c.replicaMetrics().map((m) => m.replica)).toEqual(['kube-apiserver-0', 'kube-apiserver-1', 'kube-apiserver-2', 'kube-apiserver-3']);
    expect(await c.replicaMetrics()[3]!.scrape()).toMatch(/apiserver_request_total|apiserver_current_inflight_requests/);
    expect((await connectThroughVip(c, 40))['kube-apiserver-3']).toBeGreaterThan(0);
    expect((await throughGateway(c, 40))['kube-apiserver-3']).toBeGreaterThan(0);

    const direct = await sessionTo(c, 'kube-apiserver-3');
    await c.apply({ type: 'remove-apiserver', replica: 'kube-apiserver-3' });
    expect(await direct.ended).toMatch(/ECONNRESET|closed/);
    expect(c.replicaMetrics().map((m) => m.replica)).toEqual(['kube-apiserver-0', 'kube-apiserver-1', 'kube-apiserver-2']);
    expect((await connectThroughVip(c, 30))['kube-apiserver-3'] ?? 0).toBe(0);
  });
});

describe('local cluster: gateway pods, the webhook and seed objects while load runs', () => {
  it('adds a gateway pod behind the internal Service and removes it, resetting its connections', async () => {
    const seen = await addAndDeleteGatewayPod(await start());
    expect(seen.pods).toEqual(['istio-ingressgateway-0', 'istio-ingressgateway-1', 'istio-ingressgateway-2']);
    expect(seen.toNewPod).toBeGreaterThan(0);
    // The new pod balances over the ready replicas like the others.
    expect(seen.status).toBe(200);
    expect(seen.ended).toMatch(/ECONNRESET|closed/);
    expect(seen.afterDeletion).toBe(0);
  });

  it('with the webhook stopped pod creation fails closed (failurePolicy Fail); started again it admits and mutates', async () => {
    const c = await start();
    await c.apply({ type: 'stop-webhook' });
    const refused = await c.admitClientPods([GROUP]);
    expect(refused.admitted).toEqual([]);
    expect(refused.rejected).toEqual([
      expect.objectContaining({
        pod: `${c.plan.namespace}/probe-0`,
        group: 'probe',
        code: 500,
        message: expect.stringMatching(/failed calling webhook "pod-kube-apiserver-load-balancing\.resources\.gardener\.cloud"/),
      }),
    ]);
    await c.apply({ type: 'start-webhook' });
    const { admitted } = await c.admitClientPods([GROUP]);
    expect(admitted[0]!.hostAliases).toHaveLength(1);
  });

  it('deleting the ConfigMap turns L7 off for new pods; deleting the internal Service rejects them; recreating restores both', async () => {
    const c = await start();
    await c.apply({ type: 'delete-seed-object', object: 'configmap/istio-internal-load-balancing' });
    const withoutConfigMap = await c.admitClientPods([GROUP]);
    expect(withoutConfigMap.admitted[0]!.hostAliases).toEqual([]);
    await c.apply({ type: 'recreate-seed-object', object: 'configmap/istio-internal-load-balancing' });
    await c.apply({ type: 'delete-seed-object', object: 'service/istio-ingressgateway-internal' });
    const withoutService = await c.admitClientPods([GROUP]);
    expect(withoutService.rejected[0]).toMatchObject({
      code: 404,
      message: expect.stringMatching(/denied the request: services "istio-ingressgateway-internal" not found/),
    });
    await c.apply({ type: 'recreate-seed-object', object: 'service/istio-ingressgateway-internal' });
    expect((await c.admitClientPods([GROUP])).admitted[0]!.hostAliases).toEqual([
      { ip: c.plan.services.gatewayInternal.clusterIP, hostnames: [c.plan.publicHost] },
    ]);
    await expect(c.apply({ type: 'delete-seed-object', object: 'no-such-object' as never })).rejects.toThrow(/has no seed object "no-such-object"/);
  });

  it('a regenerated kubeconfig (set-kubeconfig-server) is mounted by pods created from then on, not by earlier ones', async () => {
    const c = await start();
    const before = (await c.admitClientPods([GROUP])).admitted[0]!;
    expect(before.kubeconfig.server).toBe(`https://${c.plan.publicHost}`);
    const outcome = await c.apply({ type: 'set-kubeconfig-server', address: 'kube-apiserver' });
    expect(outcome.detail).toMatch(/^generic token kubeconfig now generic-token-kubeconfig-[0-9a-f]{8} \(server https:\/\/kube-apiserver\)/);
    const after = (await c.admitClientPods([GROUP])).admitted[0]!;
    expect(after.kubeconfig.server).toBe('https://kube-apiserver');
    expect(before.kubeconfig.server).toBe(`https://${c.plan.publicHost}`);
  });
});
