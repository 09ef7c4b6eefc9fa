// An upstream host as the gateway's load balancer sees it: an endpoint (docs/envoy-istio.md#least-request) plus its
// live counters. `active` is what Envoy's least-request balancer compares (the host stat rq_active; for TCP
// passthrough the active connections). Only UpstreamCluster's lease changes the counters.
import type { Endpoint } from '../../scripts/core/endpoint.ts';

export interface UpstreamHost extends Endpoint {
  /** Requests (L7) or connections (passthrough) in flight to this host. */
  active: number;
  /** Requests (L7) or connections (passthrough) sent to this host so far. */
  total: number;
}

export function toUpstreamHost(endpoint: Endpoint): UpstreamHost {
  return { name: endpoint.name, ip: endpoint.ip, port: endpoint.port, active: 0, total: 0 };
}

export interface LoadBalancer {
  /** Picks a host among `hosts` (all healthy); undefined when there is none. */
  pick(hosts: readonly UpstreamHost[]): UpstreamHost | undefined;
}
