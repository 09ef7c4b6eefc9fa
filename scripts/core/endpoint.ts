// Where a pod or a Service listens: the vocabulary every layer shares (the plan, the simulator's components, the real
// targets), with no dependency of its own (docs/architecture.md#layers).

/** One address a pod or a Service listens on: what EndpointSlices, kube-proxy and Envoy's EDS all deal in. */
export interface Endpoint {
  /** Pod name (or Service name for a VIP), e.g. kube-apiserver-0. */
  name: string;
  ip: string;
  /** The port actually bound (see mapPrivilegedPort). */
  port: number;
}

/** The port a listener actually binds for a Kubernetes port number (443 -> 10443 with the default offset). */
export function mapPrivilegedPort(port: number, privilegedPortOffset: number): number {
  return port < 1024 ? port + privilegedPortOffset : port;
}
