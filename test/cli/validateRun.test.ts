// One validation of a scenario against the run's options (scripts/cli/validateRun.ts), shared by scenario, gate and
// sim: a load phase that ends before an event, a mode the scenario does not run, and what the target refuses, found
// before anything starts; the three commands give the same line for the same problem and exit 2.
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { optionProblems, validateRun } from '../../scripts/cli/validateRun.ts';
import type { Target } from '../../scripts/targets/target.ts';
import { loadScenarioFile } from '../../scenarios/loader.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = (script: string, args: string[]) =>
  execa(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], { cwd: ROOT, reject: false, timeout: 60_000 });

const scaleOut = loadScenarioFile('scale-out').scenario;
const LATE = 'scale-out: --duration 2s: events[0] (scale-out): at 3s is not before the end of the load phase (duration 2s); give a longer --duration';

function fakeTarget(preflight: string[], refuse: string[]): Target & { asked: string[] } {
  const asked: string[] = [];
  return {
    name: 'kind',
    asked,
    preflight: async () => {
      asked.push('preflight');
      return preflight;
    },
    check: () => {
      asked.push('check');
      return refuse;
    },
    start: () => Promise.reject(new Error('never started')),
  };
}

describe('validateRun', () => {
  it('a load phase that ends before an event, with the check the schema makes; a longer one is fine', () => {
    expect(optionProblems(scaleOut, { durationMs: 2000 })).toEqual([LATE]);
    expect(optionProblems(scaleOut, { durationMs: 3500 })).toEqual([]);
    expect(optionProblems(scaleOut, {})).toEqual([]);
  });

  it('modes the scenario does not run, named with the flag that asked', () => {
    expect(optionProblems(scaleOut, { modes: ['l7', 'goaway'] })).toEqual(["scale-out: --modes goaway: not among this scenario's modes (direct, l7)"]);
    expect(optionProblems(scaleOut, { modes: ['passthrough'], modesFlag: '--mode' })).toEqual([
      "scale-out: --mode passthrough: not among this scenario's modes (direct, l7)",
    ]);
  });

  it('the options first (the target is not asked), then the machine, then what the target refuses', async () => {
    const unasked = fakeTarget([], []);
    expect(await validateRun([{ scenario: scaleOut, options: { durationMs: 2000 } }], unasked)).toEqual([
      LATE,
      "1 problem(s) with the run's options; nothing was run.",
    ]);
    expect(unasked.asked).toEqual([]);
    const refusing = fakeTarget([], ['scale-apiservers is refused']);
    expect(await validateRun([{ scenario: scaleOut, options: { durationMs: 3500 } }], refusing)).toEqual([
      'scale-out: scale-apiservers is refused',
      'the kind target cannot run this scenario; nothing was run.',
    ]);
    expect(refusing.asked).toEqual(['preflight', 'check']);
    expect(await validateRun([{ scenario: scaleOut, options: {} }])).toEqual([]);
  });

  it('scenario, gate and sim refuse the same thing with the same line and exit 2, running nothing', async () => {
    const [scenario, gate, scenarioModes, sim] = await Promise.all([
      run('scenario', ['scale-out', '--duration', '2s']),
      run('gate', ['scale-out', '--duration', '2s']),
      run('scenario', ['scale-out', '--modes', 'passthrough']),
      run('sim', ['--scenario', 'scale-out', '--mode', 'passthrough']),
    ]);
    for (const res of [scenario, gate, scenarioModes, sim]) expect(res.exitCode, res.stderr).toBe(2);
    expect(scenario.stderr.split('\n')[0]).toBe(LATE);
    expect(gate.stderr.split('\n')[0]).toBe(LATE);
    expect(scenarioModes.stderr.split('\n')[0]).toBe("scale-out: --modes passthrough: not among this scenario's modes (direct, l7)");
    expect(sim.stderr.split('\n')[0]).toBe("scale-out: --mode passthrough: not among this scenario's modes (direct, l7)");
    expect(scenario.stdout).not.toMatch(/load phase|cluster up/);
  }, 120_000);
});
