// Reading connections from the node's kernel and Envoy's counters into the seam's shape
// (scripts/targets/binary/network/connectionTable.ts, scripts/targets/binary/binaryNetworkStats.ts).
import { describe, expect, it } from 'vitest';
import { dnatConnectionCounts, parseConntrack } from '../../../../scripts/targets/binary/network/connectionTable.ts';
import { clusterKind, connectionsPerReplica, seamGatewayStats } from '../../../../scripts/targets/binary/binaryNetworkStats.ts';
import type { EnvoyStats } from '../../../../scripts/targets/binary/envoy/gatewayStats.ts';

// As conntrack -L prints them: a client pod's connection to the ClusterIP, DNATed to replica 198.18.2.2; Envoy's direct
// connection to replica 198.18.2.1; the runner's scrape from the node; a replica's loopback client; one closing.
const CONNTRACK = `tcp      6 431999 ESTABLISHED src=198.18.5.7 dst=198.19.0.10 sport=40112 dport=443 src=198.18.2.2 dst=198.18.5.7 sport=443 dport=40112 [ASSURED] mark=0 use=1
tcp      6 431998 ESTABLISHED src=198.18.4.1 dst=198.18.2.1 sport=51234 dport=443 src=198.18.2.1 dst=198.18.4.1 sport=443 dport=51234 [ASSURED] mark=0 use=1
tcp      6 431990 ESTABLISHED src=198.18.0.1 dst=198.18.2.1 sport=40000 dport=443 src=198.18.2.1 dst=198.18.0.1 sport=443 dport=40000 [ASSURED] mark=0 use=1
tcp      6 431990 ESTABLISHED src=198.18.2.2 dst=198.18.2.2 sport=41000 dport=443 src=198.18.2.2 dst=198.18.2.2 sport=443 dport=41000 [ASSURED] mark=0 use=1
tcp      6 100 TIME_WAIT src=198.18.5.8 dst=198.19.0.10 sport=40113 dport=443 src=198.18.2.1 dst=198.18.5.8 sport=443 dport=40113 [ASSURED] mark=0 use=1
udp      17 29 src=198.18.5.7 dst=198.19.0.53 sport=5353 dport=53 [UNREPLIED] src=198.19.0.53 dst=198.18.5.7 sport=53 dport=5353 mark=0 use=1
conntrack v1.4.7 (conntrack-tools): 6 flow entries have been shown.`;

describe("the node's conntrack table", () => {
  it('reads each TCP connection with what the client dialled and who answers', () => {
    const table = parseConntrack(CONNTRACK);
    expect(table).toHaveLength(5);
    expect(table[0]).toEqual({
      state: 'ESTABLISHED',
      original: { src: '198.18.5.7', dst: '198.19.0.10', sport: 40112, dport: 443 },
      reply: { src: '198.18.2.2', dst: '198.18.5.7', sport: 443, dport: 40112 },
    });
    expect(table[4]!.state).toBe('TIME_WAIT');
  });

  it("counts a replica's open client connections, not the node's scrapes, its own loopback or closed ones", () => {
    const replicas = [
      { name: 'kube-apiserver-0', ip: '198.18.2.1', port: 443 },
      { name: 'kube-apiserver-1', ip: '198.18.2.2', port: 443 },
    ];
    expect(connectionsPerReplica(replicas, parseConntrack(CONNTRACK))).toEqual({ 'kube-apiserver-0': 1, 'kube-apiserver-1': 1 });
  });
});

describe("kube-proxy's DNAT counters", () => {
  it('adds up the connections sent to each endpoint', () => {
    const save = `*nat
:KUBE-SEP-AAA - [0:0]
[3:180] -A KUBE-SEP-AAA -s 198.18.2.1/32 -m comment --comment "ns/kube-apiserver:kube-apiserver" -j KUBE-MARK-MASQ
[7:420] -A KUBE-SEP-AAA -p tcp -m comment --comment "ns/kube-apiserver:kube-apiserver" -m tcp -j DNAT --to-destination 198.18.2.1:443
[2:120] -A KUBE-SEP-BBB -p tcp -m comment --comment "ns/kube-apiserver:kube-apiserver" -m tcp -j DNAT --to-destination 198.18.2.2:443
COMMIT`;
    expect(dnatConnectionCounts(save)).toEqual(
      new Map([
        ['198.18.2.1:443', 7],
        ['198.18.2.2:443', 2],
      ]),
    );
  });
});

describe("Envoy's stats in the seam's shape", () => {
  it("names Istio's outbound clusters by the simulator's cluster kinds", () => {
    expect(clusterKind('outbound|443||kube-apiserver.shoot--a--b.svc.cluster.local', 'terminate')).toBe('default');
    expect(clusterKind('outbound|443||kube-apiserver-mtls.shoot--a--b.svc.cluster.local', 'terminate')).toBe('mtls');
    expect(clusterKind('outbound|443||kube-apiserver-connection-upgrade.shoot--a--b.svc.cluster.local', 'terminate')).toBe('connection-upgrade');
    expect(clusterKind('outbound|443||kube-apiserver.shoot--a--b.svc.cluster.local', 'passthrough')).toBe('passthrough');
    expect(clusterKind('prometheus_stats', 'terminate')).toBeUndefined();
  });

  it('reports requests and open upstream connections per replica name', () => {
    const host = (rqTotal: number, rqActive: number, cxActive: number) => ({ rqTotal, rqActive, cxActive, cxTotal: cxActive });
    const cluster = (hosts: EnvoyStats['clusters'][string]['hosts']) => ({
      hosts,
      upstreamCxActive: 0,
      upstreamCxTotal: 2,
      upstreamCxHttp1Total: 0,
      upstreamCxHttp2Total: 2,
      upstreamRqTotal: 0,
      upstreamRqActive: 0,
      upstreamRqRetry: 1,
    });
    const envoy: EnvoyStats = {
      downstreamCxActive: 3,
      downstreamCxTotal: 5,
      downstreamRqTotal: 120,
      downstreamCxActivePerWorker: [2, 1],
      clusters: {
        'outbound|443||kube-apiserver.ns.svc.cluster.local': cluster({ '198.18.2.1:443': host(60, 2, 1), '198.18.2.2:443': host(59, 1, 1) }),
        'outbound|443||kube-apiserver-mtls.ns.svc.cluster.local': cluster({ '198.18.2.1:443': host(1, 0, 1) }),
      },
    };
    const neighbour = { 'outbound|443||kube-apiserver.shoot--a--b.svc.cluster.local': cluster({ '198.18.2.17:443': host(7, 1, 1) }) };
    const names = new Map([
      ['198.18.2.1:443', 'kube-apiserver-0'],
      ['198.18.2.2:443', 'kube-apiserver-1'],
      ['198.18.2.17:443', 'kube-apiserver-0'],
    ]);
    const stats = seamGatewayStats('istio-ingressgateway-0', 'terminate', envoy, names);
    expect(stats).toMatchObject({
      pod: 'istio-ingressgateway-0',
      downstreamConnections: 5,
      downstreamConnectionsOpen: 3,
      downstreamStreams: 120,
      retries: 2,
      upstreamConnectionsOpened: 4,
      upstreamConnections: { 'kube-apiserver-0': 2, 'kube-apiserver-1': 1 },
      activeRequests: 3,
    });
    expect(stats.clusters.default).toEqual({ 'kube-apiserver-0': { requests: 60, active: 2 }, 'kube-apiserver-1': { requests: 59, active: 1 } });
    expect(stats.clusters.mtls).toEqual({ 'kube-apiserver-0': { requests: 1, active: 0 } });

    // A neighbour's clusters (namespace shoot--a--b) go under `<kind>|<its public host>`, its replicas under `<host>/<name>`.
    const shared = seamGatewayStats('istio-ingressgateway-0', 'terminate', { ...envoy, clusters: { ...envoy.clusters, ...neighbour } }, names, (ns) =>
      ns === 'shoot--a--b' ? 'api.b.a.example' : undefined,
    );
    expect(shared.clusters['default|api.b.a.example']).toEqual({ 'kube-apiserver-0': { requests: 7, active: 1 } });
    expect(shared.upstreamConnections).toEqual({ 'kube-apiserver-0': 2, 'kube-apiserver-1': 1, 'api.b.a.example/kube-apiserver-0': 1 });
  });
});
