// The passthrough (L4) gateway on real Envoy 1.37 (docs/binary-target-envoy.md#passthrough): the kind target's
// PASSTHROUGH Gateway, TLS route and locality DestinationRule translated into SNI filter chains with tcp_proxy. The
// upstreams are Node HTTPS/HTTP2 servers with the plan's kube-apiserver certificate standing in for the replicas in
// these tests only. Checked: the client's TLS reaches the replica itself (its SNI and ALPN arrive unchanged), every
// request of one connection sticks to one replica, connections are balanced per connection, and a tcp_proxy
// connection is one active "request" on its host in the admin stats.
import { afterEach, describe, expect } from 'vitest';
import { KUBE_APISERVER_SERVICE_NAME } from '../../../../scripts/cluster/gardener.ts';
import { outboundClusterName } from '../../../../scripts/targets/binary/envoy/envoyTypes.ts';
import { itWithBinaries } from '../../../helpers/binaries.ts';
import { cleanup, countByReplica, gateway, h2Client, plannedCluster, replica, type Replica } from './gatewayFixture.ts';

afterEach(cleanup);

const it = itWithBinaries('envoy');

async function passthroughGateway() {
  const planned = await plannedCluster('passthrough');
  const replicas: Replica[] = [];
  for (let i = 0; i < 3; i++) replicas.push(await replica(planned, `kube-apiserver-${i}`));
  const name = outboundClusterName(`${KUBE_APISERVER_SERVICE_NAME}.${planned.plan.namespace}.svc.cluster.local`, 443);
  return { planned, replicas, cluster: name, ...(await gateway(planned, { [name]: replicas.map((r) => r.address) })) };
}

describe('the passthrough gateway on real Envoy', () => {
  it("hands the client's own TLS to a replica (SNI and ALPN arrive unchanged) and keeps a connection's requests on it", async () => {
    const { planned, replicas, port, gw, cluster } = await passthroughGateway();
    expect(gw.clusters).toEqual([cluster]);
    const session = await h2Client(planned, port);
    const counts = await countByReplica(session, 30);
    expect(Object.values(counts)).toEqual([30]);
    const seen = replicas.flatMap((r) => r.seen);
    expect(new Set(seen.map((s) => [s.servername, s.alpn, s.httpVersion].join(' ')))).toEqual(new Set([`${planned.plan.publicHost} h2 2.0`]));
    // No front-proxy certificate: the gateway terminates nothing in this mode.
    expect(seen.every((s) => s.clientCertCn === undefined)).toBe(true);
  });

  it('balances per connection: new connections reach other replicas, each open connection one active request on its host', async () => {
    const { planned, replicas, port, gw, cluster } = await passthroughGateway();
    const owners = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const counts = await countByReplica(await h2Client(planned, port), 3);
      expect(Object.keys(counts)).toHaveLength(1);
      owners.add(Object.keys(counts)[0]!);
    }
    // All 9 on one replica has probability below 3 * (1/3)^9 even without least-request; with it, well spread.
    expect(owners.size).toBeGreaterThan(1);
    const hosts = Object.values((await gw.stats()).clusters[cluster]!.hosts);
    expect(hosts.reduce((sum, h) => sum + h.rqActive, 0)).toBe(9);
    expect(hosts.reduce((sum, h) => sum + h.cxActive, 0)).toBe(9);
    expect(replicas.reduce((sum, r) => sum + r.connections, 0)).toBe(9);
  });
});
