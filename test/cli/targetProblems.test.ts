// What keeps a target from running, found before anything starts (scripts/cli/targetOption.ts targetProblems): the
// machine first (preflight), then each scenario (check); shared by `npm run scenario` and `npm run gate`.
import { describe, expect, it } from 'vitest';
import { targetProblems } from '../../scripts/cli/targetOption.ts';
import type { Target } from '../../scripts/targets/target.ts';
import { Scenario } from '../../scenarios/schema.ts';

function fakeTarget(preflight: string[], refuse: (s: Scenario) => string[]): Target {
  return {
    name: 'kind',
    preflight: async () => preflight,
    check: refuse,
    start: () => Promise.reject(new Error('a target with problems is never started')),
  };
}

const scenario = (name: string) => Scenario.parse({ name, clients: [{ name: 'c', rate: 1 }] });

describe('targetProblems', () => {
  it('none when the machine and every scenario are fine', async () => {
    expect(
      await targetProblems(
        fakeTarget([], () => []),
        [scenario('a')],
      ),
    ).toEqual([]);
  });

  it('the machine first: preflight problems, then that nothing was run (scenarios are not checked)', async () => {
    const problems = await targetProblems(
      fakeTarget(['kubectl: not found'], () => ['never asked']),
      [scenario('a')],
    );
    expect(problems).toEqual(['kubectl: not found', 'the kind target cannot run on this machine yet; nothing was run.']);
  });

  it('then each scenario, named, with one closing line', async () => {
    const refuse = (s: Scenario) => (s.name === 'b' ? ['set-namespace-alias is refused'] : []);
    expect(await targetProblems(fakeTarget([], refuse), [scenario('a'), scenario('b')])).toEqual([
      'b: set-namespace-alias is refused',
      'the kind target cannot run these scenarios; nothing was run.',
    ]);
    expect(await targetProblems(fakeTarget([], refuse), [scenario('b')])).toEqual([
      'b: set-namespace-alias is refused',
      'the kind target cannot run this scenario; nothing was run.',
    ]);
  });
});
