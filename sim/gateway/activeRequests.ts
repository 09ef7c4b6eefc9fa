// Requests (or passthrough connections) one gateway pod has in flight upstream now, and the most it had at once:
// Envoy's cluster gauge upstream_rq_active summed over the pod's clusters, with its high-water mark
// (docs/scenarios.md#gateway-accounting). Every UpstreamCluster of a pod counts into the same gauge when it acquires
// a host and when the lease is released.
export class ActiveRequests {
  now = 0;
  peak = 0;

  started(): void {
    this.now++;
    if (this.now > this.peak) this.peak = this.now;
  }

  ended(): void {
    this.now--;
  }
}
