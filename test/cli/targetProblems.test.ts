// What keeps a target from running, found before anything starts (scripts/cli/targetOption.ts targetProblems): the
// machine first (preflight), then each scenario (check, then the cluster's room: fits); shared by `npm run scenario`
// and `npm run gate`, whose default suite leaves out what the target cannot run.
import { describe, expect, it } from 'vitest';
import { unrunnableEntries } from '../../scripts/cli/gateCommand.ts';
import { targetProblems } from '../../scripts/cli/targetOption.ts';
import type { Target } from '../../scripts/targets/target.ts';
import { Scenario } from '../../scenarios/schema.ts';

function fakeTarget(preflight: string[], refuse: (s: Scenario) => string[], tooBig?: (s: Scenario) => string[]): Target & { fitsAsked: string[] } {
  const fitsAsked: string[] = [];
  return {
    name: 'kind',
    fitsAsked,
    preflight: async () => preflight,
    check: refuse,
    ...(tooBig && {
      fits: async (s: Scenario) => {
        fitsAsked.push(s.name);
        return tooBig(s);
      },
    }),
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

  it("then the cluster's room, only for scenarios check() lets through", async () => {
    const target = fakeTarget(
      [],
      (s) => (s.name === 'b' ? ['refused'] : []),
      (s) => (s.name === 'c' ? ['the run needs 1147 pods'] : []),
    );
    expect(await targetProblems(target, [scenario('a'), scenario('b'), scenario('c')])).toEqual([
      'b: refused',
      'c: the run needs 1147 pods',
      'the kind target cannot run these scenarios; nothing was run.',
    ]);
    expect(target.fitsAsked).toEqual(['a', 'c']);
  });
});

describe("the gate's default suite on a target that cannot run all of it", () => {
  const entries = ['a', 'b', 'c'].map((name) => ({ name, scenario: scenario(name) }));

  it('leaves out what check() refuses and, once preflight passed, what the cluster has no room for, each with its reasons', async () => {
    const target = fakeTarget(
      [],
      (s) => (s.name === 'b' ? ['http1-pool is not supported'] : []),
      (s) => (s.name === 'c' ? ['no room'] : []),
    );
    expect(await unrunnableEntries(target, entries)).toEqual([
      { name: 'b', problems: ['http1-pool is not supported'] },
      { name: 'c', problems: ['no room'] },
    ]);
  });

  it('does not read the cluster when preflight fails (validateRun reports that), and targets without fits() are checked only', async () => {
    const unreachable = fakeTarget(
      ['the cluster is unreachable'],
      () => [],
      () => ['never asked'],
    );
    expect(await unrunnableEntries(unreachable, entries)).toEqual([]);
    expect(unreachable.fitsAsked).toEqual([]);
    expect(
      await unrunnableEntries(
        fakeTarget([], (s) => (s.name === 'a' ? ['refused'] : [])),
        entries,
      ),
    ).toEqual([{ name: 'a', problems: ['refused'] }]);
  });
});
