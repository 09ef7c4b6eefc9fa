// Istio RANDOM: a uniformly random host per request.
import type { Rng } from '../random.ts';
import type { LoadBalancer, UpstreamEndpoint } from './endpoint.ts';

export class RandomBalancer implements LoadBalancer {
  constructor(private readonly rng: Rng) {}

  pick(hosts: readonly UpstreamEndpoint[]): UpstreamEndpoint | undefined {
    return hosts.length === 0 ? undefined : hosts[this.rng.int(hosts.length)];
  }
}
