// What a gateway pod keeps per control plane it serves (Gardener: one Gateway server, VirtualService and
// DestinationRules per shoot, apiserverexposure/sni.go): its hosts, one upstream cluster per route kind plus the
// passthrough one, each with its own LEAST_REQUEST counters, and the HTTP/2 connection pools of its DestinationRules
// (TLS SIMPLE for the default route, MUTUAL with the front-proxy client certificate for the mTLS route). EDS updates
// land here: new hosts get requests at once, removed hosts' pooled connections drain.
import type { Endpoint } from '../../scripts/core/endpoint.ts';
import type { Rng } from '../../scripts/core/random.ts';
import type { ActiveRequests } from './activeRequests.ts';
import type { RouteKind } from './filterChain.ts';
import type { GatewayControlPlaneConfig, GatewayPodConfig } from './gatewayPod.ts';
import type { ControlPlaneRoutes, Route } from './route.ts';
import { UpstreamCluster } from './upstreamCluster.ts';
import { H2UpstreamPool } from './upstreamPool.ts';

export const ROUTE_KINDS: RouteKind[] = ['default', 'mtls', 'connection-upgrade'];

export interface PlaneRuntime extends ControlPlaneRoutes {
  passthrough: UpstreamCluster;
  pools: H2UpstreamPool[];
}

/** The runtime of control plane `index` of a pod's config; its clusters count into the pod's `gauge`. */
export function planeRuntime(config: GatewayPodConfig, cp: GatewayControlPlaneConfig, index: number, rng: Rng, gauge: ActiveRequests): PlaneRuntime {
  const cluster = (kind: RouteKind | 'passthrough') =>
    new UpstreamCluster(kind, cp.upstream.endpoints, config.lbPolicy, rng.fork(`plane-${index}/${kind}`), config.choiceCount, gauge);
  const simple = { caPem: cp.upstream.caPem, sni: cp.upstream.sni };
  const mutual = { ...simple, clientCert: cp.upstream.frontProxyClient };
  const defaultPool = new H2UpstreamPool(simple, config.ip, config.upstreamConnectionsPerEndpoint);
  const mtlsPool = new H2UpstreamPool(mutual, config.ip, config.upstreamConnectionsPerEndpoint);
  const routes: Record<RouteKind, Route> = {
    default: { cluster: cluster('default'), tls: simple, pool: defaultPool },
    mtls: { cluster: cluster('mtls'), tls: mutual, pool: mtlsPool },
    // HTTP/1.1 only (upgrades), so its HTTP/2 pool is the default one and never used.
    'connection-upgrade': { cluster: cluster('connection-upgrade'), tls: simple, pool: defaultPool },
  };
  return { hosts: cp.hosts.map((h) => h.toLowerCase()), routes, passthrough: cluster('passthrough'), pools: [defaultPool, mtlsPool] };
}

/** EDS update for one control plane: every cluster gets the new hosts; removed hosts' pooled connections retire. */
export function setPlaneEndpoints(plane: PlaneRuntime, endpoints: Endpoint[]): void {
  const removed = new Set<string>();
  for (const kind of ROUTE_KINDS) for (const name of plane.routes[kind].cluster.setEndpoints(endpoints)) removed.add(name);
  for (const name of plane.passthrough.setEndpoints(endpoints)) removed.add(name);
  for (const pool of plane.pools) pool.retire([...removed]);
}
