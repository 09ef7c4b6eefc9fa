// Istio DestinationRule `loadBalancer.simple` values the simulated gateway supports.
import type { Rng } from '../../scripts/core/random.ts';
import type { LoadBalancer } from './upstreamHost.ts';
import { LeastRequestBalancer } from './leastRequest.ts';
import { RandomBalancer } from './randomPick.ts';
import { RoundRobinBalancer } from './roundRobin.ts';

export type LbPolicy = 'LEAST_REQUEST' | 'ROUND_ROBIN' | 'RANDOM';

export function createBalancer(policy: LbPolicy, rng: Rng, choiceCount = 2): LoadBalancer {
  switch (policy) {
    case 'LEAST_REQUEST':
      return new LeastRequestBalancer(rng, choiceCount);
    case 'ROUND_ROBIN':
      return new RoundRobinBalancer();
    case 'RANDOM':
      return new RandomBalancer(rng);
    default:
      throw new Error(`unknown load balancing policy "${String(policy)}" (LEAST_REQUEST, ROUND_ROBIN, RANDOM)`);
  }
}
