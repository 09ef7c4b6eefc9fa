// A gateway pod's counters as the Target seam reports them (scripts/core/componentStats.ts GatewayStats): what Envoy's
// admin /stats and /clusters would show. The first control plane's clusters under their kind, every further one's
// under `<kind>|<its public host>`, and upstream connections per host as `<public host>/<host>` after the first (every
// control plane has a kube-apiserver-0). For the accounting (docs/scenarios.md#gateway-accounting): downstream
// connections open now, requests in flight now and at most, and the worker's V8 heap, which is the simulator's
// memory and does not stand for Envoy's.
import v8 from 'node:v8';
import type { GatewayStats } from '../../scripts/core/componentStats.ts';
import type { ActiveRequests } from './activeRequests.ts';
import { ROUTE_KINDS, type PlaneRuntime } from './controlPlaneRuntime.ts';
import type { GatewayPodConfig } from './gatewayPod.ts';
import type { PassthroughStats } from './passthrough.ts';
import type { ForwarderStats } from './route.ts';

/** The pod's own counters besides its planes'. */
export interface PodCounters {
  forwarder: ForwarderStats;
  passthrough: PassthroughStats;
  downstream: { accepted: number; open: number };
  active: ActiveRequests;
}

export function gatewayStats(config: GatewayPodConfig, planes: PlaneRuntime[], counters: PodCounters): GatewayStats {
  const clusters: GatewayStats['clusters'] = {};
  const upstreamConnections: Record<string, number> = {};
  for (const [index, plane] of planes.entries()) {
    const clusterKey = (kind: string) => (index === 0 ? kind : `${kind}|${plane.hosts[0]}`);
    const hostKey = (host: string) => (index === 0 ? host : `${plane.hosts[0]}/${host}`);
    if (config.mode === 'passthrough') clusters[clusterKey('passthrough')] = plane.passthrough.stats();
    else for (const kind of ROUTE_KINDS) clusters[clusterKey(kind)] = plane.routes[kind].cluster.stats();
    for (const pool of plane.pools)
      for (const [host, n] of Object.entries(pool.connectionsByHost())) upstreamConnections[hostKey(host)] = (upstreamConnections[hostKey(host)] ?? 0) + n;
  }
  const { forwarder, passthrough, downstream, active } = counters;
  return {
    pod: config.name,
    mode: config.mode,
    downstreamConnections: downstream.accepted,
    downstreamConnectionsOpen: downstream.open,
    downstreamStreams: forwarder.downstreamStreams,
    localReplies: { ...forwarder.localReplies },
    retries: forwarder.retries,
    upstreamConnectionsOpened: planes.reduce((s, p) => s + p.pools.reduce((t, pool) => t + pool.connectionsOpened, 0), 0),
    upstreamConnections,
    clusters,
    rejectedConnections: { ...passthrough.rejected },
    activeRequests: active.now,
    activeRequestsPeak: active.peak,
    heapUsedBytes: v8.getHeapStatistics().used_heap_size,
  };
}
