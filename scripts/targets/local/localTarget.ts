// The local target: the simulator (docs/architecture.md#targets). Every scenario feature runs here, so there is
// nothing to refuse up front.
import type { Target } from '../target.ts';
import { LocalCluster } from './localCluster.ts';

export const localTarget: Target = {
  name: 'local',
  check: () => [],
  // Node is all the simulator needs (external tools are only for `npm run sim` and the benchmarks).
  preflight: async () => [],
  start: (plan, options) => LocalCluster.start(plan, { onEvent: options?.onEvent }),
};
