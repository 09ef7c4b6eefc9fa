// The scenario library's bounds are robust by construction (docs/scenarios.md#how-much-to-trust-each-bound): no
// latency is bounded by an absolute number, which on a shared 2-core machine is a coin toss; every latency bound
// compares with a latency measured in the same run (another mode, or another client group).
import { describe, expect, it } from 'vitest';
import { listScenarioNames, loadScenarioFile } from '../../scenarios/loader.ts';
import { boundRefs, parseRelativeBound } from '../../scenarios/relativeBound.ts';
import { LATENCY_METRICS, MODE_NAMES } from '../../scenarios/vocabulary.ts';

const isLatency = (metric: string) => (LATENCY_METRICS as readonly string[]).includes(metric);

/** Every latency bound of a scenario that is not against a latency of the same run, as `scenario: where`. */
function absoluteLatencyBounds(name: string): string[] {
  const { expect: bounds } = loadScenarioFile(name).scenario;
  const found: string[] = [];
  for (const mode of MODE_NAMES) {
    const expectations = bounds[mode];
    if (!expectations) continue;
    for (const metric of LATENCY_METRICS) if (expectations[metric]) found.push(`${name}: expect.${mode}.${metric}`);
    for (const [group, groupBounds] of Object.entries(expectations.groups ?? {}))
      for (const metric of LATENCY_METRICS) if (groupBounds[metric]) found.push(`${name}: expect.${mode}.groups.${group}.${metric}`);
  }
  for (const text of bounds.compare) {
    const refs = boundRefs(parseRelativeBound(text));
    if (refs.some((r) => isLatency(r.metric)) && !(refs.length === 2 && refs.every((r) => isLatency(r.metric)))) found.push(`${name}: compare "${text}"`);
  }
  return found;
}

describe('the scenario library', () => {
  it('bounds no latency by an absolute number: every latency bound has a latency of the same run on its other side', () => {
    expect(listScenarioNames().flatMap(absoluteLatencyBounds)).toEqual([]);
  });

  it('the latency bounds it has are relative ones (so the check above has something to check)', () => {
    const relative = listScenarioNames().flatMap((name) =>
      loadScenarioFile(name).scenario.expect.compare.filter((text) => boundRefs(parseRelativeBound(text)).every((r) => isLatency(r.metric))),
    );
    expect(relative).toEqual(
      expect.arrayContaining([
        'l7.groups[neighbour-controller].p99Ms <= 3 * direct.groups[neighbour-controller].p99Ms + 50',
        'direct.groups[quiet].p99Ms <= 0.5 * direct.groups[flood].p50Ms',
      ]),
    );
  });
});
