// Istio RANDOM: a uniformly random host per request.
import type { Rng } from '../../scripts/core/random.ts';
import type { LoadBalancer, UpstreamHost } from './upstreamHost.ts';

export class RandomBalancer implements LoadBalancer {
  constructor(private readonly rng: Rng) {}

  pick(hosts: readonly UpstreamHost[]): UpstreamHost | undefined {
    return hosts.length === 0 ? undefined : hosts[this.rng.int(hosts.length)];
  }
}
