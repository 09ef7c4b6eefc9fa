// The binary target's network counters in the seam's shape (scripts/core/componentStats.ts; docs/binary-target.md#network-stats):
// kube-proxy's per Service and backend from the kernel (connections its DNAT rules opened, connections open now in
// the node's conntrack table), each gateway pod's from its Envoy admin (requests and open connections per upstream
// host, by cluster kind), and the open client connections per replica from conntrack. Backends and hosts are named as
// the simulator names them (replica and gateway pod names), so the report's tables read the same on both targets.
import type { BackendConnectionStats, GatewayMode, GatewayStats, ServiceProxyStats } from '../../core/componentStats.ts';
import { gatewayEndpoint, MAX_GATEWAY_PODS, MAX_REPLICAS, replicaEndpoint, type ClusterPlan } from '../../cluster/plan.ts';
import type { Endpoint } from '../../core/endpoint.ts';
import { KUBE_APISERVER_SERVICE_NAME } from '../../cluster/gardener.ts';
import type { EnvoyStats } from './envoy/gatewayStats.ts';
import { NODE_ADDRESS } from './network/addresses.ts';
import type { TrackedConnection } from './network/connectionTable.ts';

/** Every replica address slot of a control plane (MAX_REPLICAS: where a scaled-out replica can appear). */
function replicaSlots(plan: ClusterPlan): Endpoint[] {
  return Array.from({ length: MAX_REPLICAS }, (_, i) => replicaEndpoint(plan.addresses, i));
}

/** Every gateway pod address slot of the seed. */
function gatewaySlots(plan: ClusterPlan): Endpoint[] {
  return Array.from({ length: MAX_GATEWAY_PODS }, (_, i) => gatewayEndpoint(i, plan.addresses));
}

/**
 * `ip:port` → replica or gateway pod name, for every slot of the plan's address block and of each neighbour's
 * (a neighbour's replicas have their own addresses and the same names, as in the simulator's stats).
 */
export function endpointNames(plan: ClusterPlan): Map<string, string> {
  const slots = [...[plan, ...plan.neighbours].flatMap(replicaSlots), ...gatewaySlots(plan)];
  return new Map(slots.map((e) => [`${e.ip}:${e.port}`, e.name]));
}

const established = (c: TrackedConnection) => c.state === 'ESTABLISHED';
const answeredBy = (c: TrackedConnection) => `${c.reply.src}:${c.reply.sport}`;

/**
 * kube-proxy's counters for the seed's Services of the run: each control plane's `kube-apiserver` (the one under test
 * first) and the gateway's: opened from the DNAT counters, open now from conntrack. A backend added at run time (a
 * scaled-out replica) is found by its address among the control plane's own replica slots.
 */
export function kubeProxyStats(plan: ClusterPlan, dnat: Map<string, number>, table: TrackedConnection[]): ServiceProxyStats[] {
  const services = [
    ...[plan, ...plan.neighbours].map((p) => ({ service: p.services.kubeApiserver, slots: replicaSlots(p) })),
    { service: plan.services.gatewayInternal, slots: gatewaySlots(plan) },
  ];
  return services.map(({ service, slots: candidates }) => {
    const viaService = table.filter((c) => established(c) && c.original.dst === service.clusterIP && c.original.dport === service.port);
    const backends: Record<string, BackendConnectionStats> = {};
    for (const endpoint of candidates) {
      const key = `${endpoint.ip}:${endpoint.port}`;
      const planned = service.endpoints.some((e) => e.ip === endpoint.ip);
      if (!planned && !dnat.has(key)) continue;
      backends[endpoint.name] = { opened: dnat.get(key) ?? 0, active: viaService.filter((c) => answeredBy(c) === key).length };
    }
    return { service: `${service.namespace}/${service.name}`, backends, denied: 0, refusedNoEndpoints: 0 };
  });
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

/** The namespace of an Istio outbound cluster's Service (`outbound|443||<service>.<namespace>.svc.cluster.local`). */
export function clusterNamespace(cluster: string): string | undefined {
  return /^outbound\|\d+\|\|[^.]+\.([^.]+)\.svc\./.exec(cluster)?.[1];
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

/**
 * One Envoy's stats in the seam's shape. Envoy keeps no count of its local replies by code here: localReplies is empty.
 * As the simulator keys them (sim/gateway/gatewayStatsReport.ts): the first control plane's clusters under their kind,
 * a neighbour's under `<kind>|<its public host>`, and upstream connections per replica as `<public host>/<replica>`
 * for a neighbour's; `neighbourHost` gives a namespace's public host, undefined for the control plane under test.
 */
export function seamGatewayStats(
  pod: string,
  mode: GatewayMode,
  envoy: EnvoyStats,
  names: Map<string, string>,
  neighbourHost: (namespace: string) => string | undefined = () => undefined,
): GatewayStats {
  const clusters: GatewayStats['clusters'] = {};
  const upstreamConnections: Record<string, number> = {};
  let retries = 0;
  let opened = 0;
  let active = 0;
  for (const [name, cluster] of Object.entries(envoy.clusters)) {
    const kind = clusterKind(name, mode);
    if (!kind) continue;
    const host = neighbourHost(clusterNamespace(name) ?? '');
    const clusterKey = host === undefined ? kind : `${kind}|${host}`;
    const hostKey = (replica: string) => (host === undefined ? replica : `${host}/${replica}`);
    retries += cluster.upstreamRqRetry;
    opened += cluster.upstreamCxTotal;
    const hosts: Record<string, { requests: number; active: number }> = {};
    for (const [address, upstream] of Object.entries(cluster.hosts)) {
      const replica = names.get(address) ?? address;
      // A TCP proxy (passthrough) counts connections where the HTTP one counts requests, as the simulator does.
      hosts[replica] =
        mode === 'passthrough' ? { requests: upstream.cxTotal, active: upstream.cxActive } : { requests: upstream.rqTotal, active: upstream.rqActive };
      upstreamConnections[hostKey(replica)] = (upstreamConnections[hostKey(replica)] ?? 0) + upstream.cxActive;
      active += hosts[replica].active;
    }
    clusters[clusterKey] = hosts;
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
    ...(envoy.memoryAllocatedBytes !== undefined ? { heapUsedBytes: envoy.memoryAllocatedBytes } : {}),
  };
}
