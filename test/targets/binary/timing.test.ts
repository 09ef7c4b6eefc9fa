// The binary target's time scale (docs/binary-target.md#time-scale): the smallest scale whose timeline this machine's
// real components keep, from the measured seconds of scripts/targets/binary/binaryTiming.ts.
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../../scenarios/loader.ts';
import { scaleScenarioTime } from '../../../scenarios/timeScale.ts';
import { BINARY_SECONDS, BINARY_TIMING, chooseTimeScale } from '../../../scripts/targets/binary/binaryTiming.ts';
import { binaryCheck, createBinaryTarget } from '../../../scripts/targets/binary/binaryTarget.ts';
import { timingProblems } from '../../../scripts/targets/eventTiming.ts';
import { objectPath } from '../../../scripts/targets/binary/kubeApi.ts';

const scenario = (name: string) => loadScenarioFile(name).scenario;

describe('the binary target chooses the time scale a scenario needs', () => {
  it('keeps a scenario without events at scale 1', () => {
    expect(chooseTimeScale(scenario('hot-client'))).toBe(1);
  });

  it('slows scale-out until the new replica is ready with time left to measure it', () => {
    // add-apiserver at 3 s of 10 s: at scale k it is ready at 3k + 12 s and needs 3 s more before 10k: k >= 15/7.
    const scaleOut = scenario('scale-out');
    expect(chooseTimeScale(scaleOut)).toBe(3);
    expect(timingProblems(scaleScenarioTime(scaleOut, 1), 1, BINARY_TIMING)[0]).toMatch(/is done only at about 15s on this machine's real components/);
    expect(timingProblems(scaleScenarioTime(scaleOut, 2), 2, BINARY_TIMING)).not.toEqual([]);
    expect(timingProblems(scaleScenarioTime(scaleOut, 3), 3, BINARY_TIMING)).toEqual([]);
  });

  it('restarts each replica of a rolling restart in place: its shutdown delay, then its start', () => {
    const rolling = scenario('rolling-restart');
    const scale = chooseTimeScale(rolling)!;
    expect(timingProblems(scaleScenarioTime(rolling, scale - 1), scale - 1, BINARY_TIMING)).not.toEqual([]);
    // Three restarts of (gone + ready) each, the two pauses and 3 s to measure fit in the scaled load phase.
    const { apiserverGone, apiserverReady, measureAfter } = BINARY_SECONDS;
    const needed =
      rolling.events[0]!.at * scale +
      3 * (apiserverGone + apiserverReady) * 1000 +
      2 * (rolling.events[0] as { pause: number }).pause * scale +
      measureAfter * 1000;
    expect(rolling.duration * scale).toBeGreaterThanOrEqual(needed);
    expect(apiserverGone).toBeGreaterThanOrEqual(15);
  });

  it('refuses a --time-scale whose timeline the components cannot keep, naming the event', () => {
    expect(binaryCheck(scenario('scale-out'), 1)[0]).toMatch(
      /^the load phase ends at 10s, but events\[0\] \(.*\) is done only at about 15s.*raise --time-scale \(now 1\)$/,
    );
    expect(binaryCheck(scenario('scale-out'), 3)).toEqual([]);
  });

  it('uses the chosen scale unless --time-scale fixed one', () => {
    const lines: string[] = [];
    const auto = createBinaryTarget({ log: (line) => lines.push(line) });
    expect(auto.timeScaleFor?.(scenario('scale-out'))).toBe(3);
    expect(lines).toEqual(["time scale 3: the smallest at which this machine's real components keep scale-out's timeline (--time-scale to choose)"]);
    expect(createBinaryTarget({ timeScale: 7 }).timeScaleFor).toBeUndefined();
  });
});

describe('objectPath', () => {
  it('names core and group objects as the API serves them', () => {
    expect(objectPath({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'a', namespace: 'ns' } })).toBe('/api/v1/namespaces/ns/secrets/a');
    expect(objectPath({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'grm' } })).toBe(
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/grm',
    );
  });

  it('refuses a kind whose plural is not <kind>s', () => {
    expect(() => objectPath({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p' } })).toThrow(
      /the plural of NetworkPolicy is not <kind>s/,
    );
  });
});
