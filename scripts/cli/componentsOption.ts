// `--components gateway=envoy` (docs/fidelity.md#swapping-one-component): which simulated components the local target
// replaces with the real ones, parsed once for `scenario`, `gate` and `calibrate`. Bad values throw commander's
// InvalidArgumentError naming what is allowed (one line, exit 2: scripts/cli/runCommand.ts).
import { InvalidArgumentError } from 'commander';
import { allowedSwaps, SWAPPABLE, type ComponentSwaps, type SwappableComponent } from '../targets/local/componentSwaps.ts';

export const COMPONENTS_FLAG_HELP = `target local only: run these components as the real ones, the rest simulated (allowed: ${allowedSwaps()})`;

/** `gateway=envoy[,<component>=<real>...]`: each a known component, once, with a value it accepts. */
export function parseComponents(value: string): ComponentSwaps {
  const pairs = value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (pairs.length === 0) throw new InvalidArgumentError(`give at least one component=real pair (allowed: ${allowedSwaps()})`);
  const swaps: Record<string, string> = {};
  for (const pair of pairs) {
    const [component, real, ...rest] = pair.split('=');
    const values = (SWAPPABLE as Record<string, readonly string[]>)[component ?? ''];
    if (rest.length > 0 || real === undefined || values === undefined || !values.includes(real))
      throw new InvalidArgumentError(`"${pair}" cannot be swapped (allowed: ${allowedSwaps()})`);
    if (swaps[component!] !== undefined) throw new InvalidArgumentError(`component "${component}" given twice`);
    swaps[component as SwappableComponent] = real;
  }
  return swaps as ComponentSwaps;
}
