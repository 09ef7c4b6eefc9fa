// Envoy's least-request load balancer with equal weights (source/common/upstream/load_balancer_impl.cc,
// LeastRequestLoadBalancer::unweightedHostPick): draw `choiceCount` hosts uniformly at random (with replacement)
// and keep the one with the fewest active requests; on a tie the earlier draw stays. choice_count defaults to 2:
// the "power of two choices" (Mitzenmacher). This is Istio's LEAST_REQUEST, Gardener's L7 DestinationRule policy.
import type { Rng } from '../../scripts/core/random.ts';
import type { LoadBalancer, UpstreamHost } from './upstreamHost.ts';

export class LeastRequestBalancer implements LoadBalancer {
  constructor(
    private readonly rng: Rng,
    private readonly choiceCount = 2,
  ) {
    if (!(choiceCount >= 1)) throw new RangeError(`choiceCount must be >= 1, got ${choiceCount}`);
  }

  pick(hosts: readonly UpstreamHost[]): UpstreamHost | undefined {
    if (hosts.length === 0) return undefined;
    if (hosts.length === 1) return hosts[0];
    let candidate: UpstreamHost | undefined;
    for (let i = 0; i < this.choiceCount; i++) {
      const sampled = hosts[this.rng.int(hosts.length)]!;
      if (!candidate || sampled.active < candidate.active) candidate = sampled;
    }
    return candidate;
  }
}
