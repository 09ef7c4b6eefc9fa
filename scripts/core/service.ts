// A Service as the plan describes it: the name cluster DNS answers for (ServiceRecord) and what kube-proxy serves on its
// ClusterIP (ServiceSpec: the port, the ready endpoints, the NetworkPolicy label its pods require). The plan writes them,
// the simulator's kube-proxy and resolver and the real targets read them, so they live in the bottom layer
// (docs/architecture.md#layers).
import type { Endpoint } from './endpoint.ts';

/** A Service as cluster DNS knows it. */
export interface ServiceRecord {
  namespace: string;
  name: string;
  clusterIP: string;
}

/** A Service as kube-proxy programs it. One port per Service here (both Services the simulator needs have one). */
export interface ServiceSpec {
  namespace: string;
  name: string;
  clusterIP: string;
  /** The Service port (e.g. 443) and the port the VIP listener really binds (scripts/cluster/addresses.ts). */
  port: number;
  listenPort: number;
  /** The ready endpoints (EndpointSlice): pod address and the target port it listens on. */
  endpoints: Endpoint[];
  /** Pods behind this Service only accept connections from pods with this label set to "allowed". */
  requiredPodLabel?: string;
}
