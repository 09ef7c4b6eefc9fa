// The routes of one control plane on a terminating gateway pod: per route kind (default, mtls, connection-upgrade)
// the upstream cluster that balances it, the upstream TLS settings of its DestinationRule, and the HTTP/2 connection
// pool that carries it (the HTTP/1.1 path keeps keep-alive agents per TLS setting instead).
import type { H2UpstreamPool, UpstreamTls } from './upstreamPool.ts';
import type { RouteKind } from './filterChain.ts';
import type { UpstreamCluster } from './upstreamCluster.ts';

export interface Route {
  cluster: UpstreamCluster;
  tls: UpstreamTls;
  pool: H2UpstreamPool;
}

export interface ControlPlaneRoutes {
  /** SNI / :authority names of this control plane (Gateway servers[].hosts). */
  hosts: readonly string[];
  routes: Record<RouteKind, Route>;
}

/** Counters shared by both protocol paths of one gateway pod. */
export interface ForwarderStats {
  downstreamStreams: number;
  localReplies: Record<string, number>;
  retries: number;
}

export function countLocalReply(stats: ForwarderStats, status: number): void {
  stats.localReplies[status] = (stats.localReplies[status] ?? 0) + 1;
}
