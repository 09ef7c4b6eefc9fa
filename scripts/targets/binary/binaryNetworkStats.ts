// The binary target's network counters in the seam's shape (scripts/core/componentStats.ts; docs/binary-target.md#network-stats):
// kube-proxy's per Service and backend from the kernel (connections its DNAT rules opened, connections open now in
// the node's conntrack table), each gateway pod's from its Envoy admin (requests and open connections per upstream
// host, by cluster kind), and the open client connections per replica from conntrack. Backends and hosts are named as
// the simulator names them (replica and gateway pod names), so the report's tables read the same on both targets.
import type { BackendConnectionStats, GatewayMode, GatewayStats, ServiceProxyStats } from '../../core/componentStats.ts';
import { gatewayEndpoint, replicaEndpoint, type ClusterPlan } from '../../cluster/plan.ts';
import { GATEWAY_INTERNAL_SERVICE_NAME, KUBE_APISERVER_SERVICE_NAME } from '../../cluster/gardener.ts';
import type { EnvoyStats } from './envoy/gatewayStats.ts';
import { NODE_ADDRESS } from './network/addresses.ts';
import type { TrackedConnection } from './network/connectionTable.ts';

/** `ip:port` → replica or gateway pod name, for every slot the plan's address block has. */
export function endpointNames(plan: ClusterPlan, slots: { replicas: number; gatewayPods: number }): Map<string, string> {
  const names = new Map<string, string>();
  for (let i = 0; i < slots.replicas; i++) {
    const e = replicaEndpoint(plan.addresses, i);
    names.set(`${e.ip}:${e.port}`, e.name);
  }
  for (let i = 0; i < slots.gatewayPods; i++) {
    const e = gatewayEndpoint(i, plan.addresses);
    names.set(`${e.ip}:${e.port}`, e.name);
  }
  return names;
}

const established = (c: TrackedConnection) => c.state === 'ESTABLISHED';
const answeredBy = (c: TrackedConnection) => `${c.reply.src}:${c.reply.sport}`;

/** kube-proxy's counters for the plan's two Services: opened from the DNAT counters, open from conntrack. */
export function kubeProxyStats(plan: ClusterPlan, names: Map<string, string>, dnat: Map<string, number>, table: TrackedConnection[]): ServiceProxyStats[] {
  return [
    { service: plan.services.kubeApiserver, name: KUBE_APISERVER_SERVICE_NAME },
    { service: plan.services.gatewayInternal, name: GATEWAY_INTERNAL_SERVICE_NAME },
  ].map(({ service }) => {
    const backends: Record<string, BackendConnectionStats> = {};
    const viaService = table.filter((c) => established(c) && c.original.dst === service.clusterIP && c.original.dport === service.port);
    for (const endpoint of service.endpoints) {
      const key = `${endpoint.ip}:${endpoint.port}`;
      backends[names.get(key) ?? key] = { opened: dnat.get(key) ?? 0, active: viaService.filter((c) => answeredBy(c) === key).length };
    }
    // Endpoints added at run time (scale-out) are in the counters but not in the plan's list.
    for (const [key, opened] of dnat) {
      const name = names.get(key);
      if (name && !(name in backends) && isSameKind(name, service.name))
        backends[name] = { opened, active: viaService.filter((c) => answeredBy(c) === key).length };
    }
    return { service: `${service.namespace}/${service.name}`, backends, denied: 0, refusedNoEndpoints: 0 };
  });
}

function isSameKind(endpointName: string, serviceName: string): boolean {
  return serviceName === KUBE_APISERVER_SERVICE_NAME ? endpointName.startsWith('kube-apiserver-') : endpointName.startsWith('istio-ingressgateway-');
}

/**
 * Open client connections per replica now: every established connection the replica answers, but the node's own (the
 * runner's scrapes through the node) and the replica's to itself (its loopback client).
 */
export function connectionsPerReplica(replicas: { name: string; ip: string; port: number }[], table: TrackedConnection[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const replica of replicas) {
    const key = `${replica.ip}:${replica.port}`;
    counts[replica.name] = table.filter(
      (c) => established(c) && answeredBy(c) === key && c.original.src !== NODE_ADDRESS && c.original.src !== replica.ip,
    ).length;
  }
  return counts;
}

/** Which simulator cluster kind an Istio outbound cluster of the kube-apiserver Services is (istio.ts names them). */
export function clusterKind(cluster: string, mode: GatewayMode): string | undefined {
  const host = /^outbound\|\d+\|\|(.+)$/.exec(cluster)?.[1];
  if (!host?.startsWith(`${KUBE_APISERVER_SERVICE_NAME}`)) return undefined;
  if (mode === 'passthrough') return 'passthrough';
  if (host.startsWith(`${KUBE_APISERVER_SERVICE_NAME}-mtls.`)) return 'mtls';
  if (host.startsWith(`${KUBE_APISERVER_SERVICE_NAME}-connection-upgrade.`)) return 'connection-upgrade';
  return host.startsWith(`${KUBE_APISERVER_SERVICE_NAME}.`) ? 'default' : undefined;
}

/** One Envoy's stats in the seam's shape. Envoy keeps no count of its local replies by code here: localReplies is empty. */
export function seamGatewayStats(pod: string, mode: GatewayMode, envoy: EnvoyStats, names: Map<string, string>): GatewayStats {
  const clusters: GatewayStats['clusters'] = {};
  const upstreamConnections: Record<string, number> = {};
  let retries = 0;
  let opened = 0;
  let active = 0;
  for (const [name, cluster] of Object.entries(envoy.clusters)) {
    const kind = clusterKind(name, mode);
    if (!kind) continue;
    retries += cluster.upstreamRqRetry;
    opened += cluster.upstreamCxTotal;
    const hosts: Record<string, { requests: number; active: number }> = {};
    for (const [address, host] of Object.entries(cluster.hosts)) {
      const replica = names.get(address) ?? address;
      // A TCP proxy (passthrough) counts connections where the HTTP one counts requests, as the simulator does.
      hosts[replica] = mode === 'passthrough' ? { requests: host.cxTotal, active: host.cxActive } : { requests: host.rqTotal, active: host.rqActive };
      upstreamConnections[replica] = (upstreamConnections[replica] ?? 0) + host.cxActive;
      active += hosts[replica].active;
    }
    clusters[kind] = hosts;
  }
  return {
    pod,
    mode,
    downstreamConnections: envoy.downstreamCxTotal,
    downstreamConnectionsOpen: envoy.downstreamCxActive,
    downstreamStreams: envoy.downstreamRqTotal,
    localReplies: {},
    retries,
    upstreamConnectionsOpened: opened,
    upstreamConnections,
    clusters,
    rejectedConnections: {},
    activeRequests: active,
  };
}
