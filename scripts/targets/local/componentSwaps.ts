// Which simulated components a local run replaces with the real one (`--components gateway=envoy`,
// docs/fidelity.md#swapping-one-component): everything else stays simulated, so a divergence between the simulator
// and the binary target can be attributed to one component at a time (issue 23). Only the gateway can be swapped so
// far: its pods become real Envoy processes configured from the kind target's Istio objects (envoyGateways.ts).
import { ENVOY_VERSION } from '../../binaries/versions.ts';

/** component → the real one that replaces the simulated one, with the values each accepts. */
export const SWAPPABLE = { gateway: ['envoy'] } as const;

export type SwappableComponent = keyof typeof SWAPPABLE;

export interface ComponentSwaps {
  gateway?: (typeof SWAPPABLE)['gateway'][number];
}

/** What the results record under `parameters.components`: each swapped component and the version that ran. */
export function describeSwaps(swaps: ComponentSwaps): Record<string, string> | undefined {
  if (swaps.gateway === undefined) return undefined;
  return { gateway: `envoy ${ENVOY_VERSION}` };
}

/** The allowed `component=real` pairs, for messages: `gateway=envoy`. */
export function allowedSwaps(): string {
  return Object.entries(SWAPPABLE)
    .flatMap(([component, values]) => values.map((v) => `${component}=${v}`))
    .join(', ');
}
