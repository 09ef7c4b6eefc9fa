// The local target: the simulator (docs/architecture.md#targets). Every scenario feature runs here, so there is
// nothing to refuse up front, unless a component is swapped for the real one (`--components gateway=envoy`,
// docs/fidelity.md#swapping-one-component): then check() names what the swap cannot do and preflight() the binary
// it needs.
import { locateBinary, missingBinaryMessage } from '../../binaries/locate.ts';
import type { Scenario } from '../../../scenarios/schema.ts';
import { gatewayInotifyInstances, inotifyInstanceLimit, INOTIFY_MARGIN, raiseInotifyLimit } from '../binary/inotifyBudget.ts';
import type { Target } from '../target.ts';
import { describeSwaps, type ComponentSwaps } from './componentSwaps.ts';
import { LocalCluster } from './localCluster.ts';

export interface LocalTargetOptions {
  components?: ComponentSwaps;
}

export function createLocalTarget(options: LocalTargetOptions = {}): Target {
  const components = options.components ?? {};
  const described = describeSwaps(components);
  return {
    name: 'local',
    ...(described ? { components: described } : {}),
    check: (scenario) => (components.gateway === 'envoy' ? envoyGatewayCheck(scenario) : []),
    // Node is all the simulator needs (external tools are only for `npm run sim` and the benchmarks).
    preflight: async () => (components.gateway === 'envoy' && !locateBinary('envoy') ? [missingBinaryMessage('envoy')] : []),
    start: (plan, startOptions) => LocalCluster.start(plan, { onEvent: startOptions?.onEvent, registerCleanup: startOptions?.registerCleanup, components }),
  };
}

/** The simulator as it is: every component simulated. */
export const localTarget: Target = createLocalTarget();

/** What a scenario asks of the gateway that real Envoy configured from Gardener's Istio objects cannot do here. */
export function envoyGatewayCheck(scenario: Scenario, limit = inotifyInstanceLimit()): string[] {
  const problems: string[] = [];
  const gateway = scenario.topology.gateway;
  if (gateway.choiceCount !== 2)
    problems.push(`topology.gateway.choiceCount ${gateway.choiceCount}: an Istio DestinationRule cannot set it, so gateway=envoy runs Envoy's default of 2`);
  // Only the modes that route through the gateway give Envoy clusters (and EDS file watchers) to hold.
  const routed = scenario.modes.some((m) => m === 'l7' || m === 'passthrough');
  const needed = gatewayInotifyInstances(scenario) + INOTIFY_MARGIN;
  if (routed && limit !== undefined && needed > limit)
    problems.push(
      `gateway=envoy: its Envoy pods need about ${needed} inotify instances (3 per control plane per pod) and fs.inotify.max_user_instances is ${limit}: ${raiseInotifyLimit(needed)}`,
    );
  return problems;
}
