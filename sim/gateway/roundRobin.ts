// Istio ROUND_ROBIN: hosts in turn. Envoy keeps one sequence per worker thread; the simulated gateway pod has one.
import type { LoadBalancer, UpstreamHost } from './upstreamHost.ts';

export class RoundRobinBalancer implements LoadBalancer {
  private next = 0;

  pick(hosts: readonly UpstreamHost[]): UpstreamHost | undefined {
    if (hosts.length === 0) return undefined;
    const host = hosts[this.next % hosts.length];
    this.next = (this.next + 1) % hosts.length;
    return host;
  }
}
