// An upstream host as the gateway's load balancer sees it: its address and live counters. `active` is what Envoy's
// least-request balancer compares (host stats rq_active; for TCP passthrough the active connections).

export interface EndpointAddress {
  name: string;
  ip: string;
  port: number;
}

export interface UpstreamEndpoint extends EndpointAddress {
  /** Requests (L7) or connections (passthrough) in flight to this host. */
  active: number;
  /** Requests (L7) or connections (passthrough) sent to this host so far. */
  total: number;
}

export function toUpstreamEndpoint(address: EndpointAddress): UpstreamEndpoint {
  return { ...address, active: 0, total: 0 };
}

export interface LoadBalancer {
  /** Picks a host among `hosts` (all healthy); undefined when there is none. */
  pick(hosts: readonly UpstreamEndpoint[]): UpstreamEndpoint | undefined;
}
