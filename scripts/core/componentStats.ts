// What the running components report through the Target seam (scripts/targets/target.ts NetworkStats and
// ComponentHealth): a gateway pod's counters, kube-proxy's per Service, and how busy each component's thread was. The
// simulator's components fill them and the runner reads them, so they live in the bottom layer
// (docs/architecture.md#layers).

/** How a gateway pod handles a control plane's traffic: Gardener's L7 (terminate TLS, per request) or SNI passthrough. */
export type GatewayMode = 'terminate' | 'passthrough';

/** One gateway pod's counters (the simulator's Envoy model, sim/gateway/gatewayPod.ts). */
export interface GatewayStats {
  pod: string;
  mode: GatewayMode;
  downstreamConnections: number;
  downstreamStreams: number;
  localReplies: Record<string, number>;
  retries: number;
  upstreamConnectionsOpened: number;
  /** Upstream HTTP/2 connections open now, per host (`<public host>/<host>` for every control plane after the first). */
  upstreamConnections: Record<string, number>;
  /**
   * Per cluster kind (default, mtls, connection-upgrade or passthrough): host → requests (or connections) and active.
   * The first control plane's under the kind; each further one's under `<kind>|<its public host>`.
   */
  clusters: Record<string, Record<string, { requests: number; active: number }>>;
  rejectedConnections: Record<string, number>;
  /** Downstream connections open now (downstreamConnections counts every one accepted). */
  downstreamConnectionsOpen?: number;
  /** Requests (passthrough: connections) in flight upstream now, over every cluster of the pod, and the most at once. */
  activeRequests?: number;
  activeRequestsPeak?: number;
  /** The simulated pod's V8 heap in use (bytes): the simulator's memory, which does not stand for Envoy's. */
  heapUsedBytes?: number;
}

export interface BackendConnectionStats {
  opened: number;
  active: number;
}

/** kube-proxy's counters for one Service (sim/network/kubeProxy.ts): connections per backend, NetworkPolicy denials. */
export interface ServiceProxyStats {
  service: string;
  backends: Record<string, BackendConnectionStats>;
  denied: number;
  refusedNoEndpoints: number;
}

/** How busy one thread's event loop was: the self-check's figures (sim/runtime/threadHealth.ts measures them). */
export interface ThreadHealth {
  /** Wall time covered by these figures (ms). */
  windowMs: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Busy share of the event loop over the window, 0..1. */
  utilization: number;
  /** CPU time of this thread over the window (user + system, ms); NaN where it cannot be read. */
  cpuMs: number;
}
