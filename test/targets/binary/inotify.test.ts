// The binary target's inotify budget (scripts/targets/binary/inotifyBudget.ts): refused before anything starts when
// the machine's fs.inotify.max_user_instances cannot hold a scenario's real components.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../../scenarios/loader.ts';
import { binaryCheck } from '../../../scripts/targets/binary/binaryTarget.ts';
import { inotifyInstanceLimit, inotifyInstancesNeeded } from '../../../scripts/targets/binary/inotifyBudget.ts';

const scenario = (name: string) => loadScenarioFile(name).scenario;

describe('inotify instances on the binary target', () => {
  it('counts 5 per shoot kube-apiserver, 1 for the seed, 3 per control plane per Envoy pod, and a margin', () => {
    // hot-client: 3 replicas, 2 gateway pods, one control plane: 1 + 15 + 6 + 16.
    expect(inotifyInstancesNeeded(scenario('hot-client'))).toBe(38);
    // seed-scale-gate: 4 control planes of 3 replicas, the gateway scaled to 3 pods: 1 + 60 + 36 + 16.
    expect(inotifyInstancesNeeded(scenario('seed-scale-gate'))).toBe(113);
    // seed-scale: 50 control planes of 3 replicas, the gateway scaled to 3 pods: 1 + 750 + 450 + 16.
    expect(inotifyInstancesNeeded(scenario('seed-scale'))).toBe(1217);
  });

  it("refuses a scenario the machine's limit cannot hold, saying what to run", () => {
    expect(binaryCheck(scenario('seed-scale'), undefined, 128).find((p) => p.includes('inotify'))).toBe(
      'its real components need about 1217 inotify instances (5 per kube-apiserver, 3 per control plane per Envoy pod) and fs.inotify.max_user_instances is 128: raise it, e.g. sudo sysctl -w fs.inotify.max_user_instances=2048 (docs/binary-target.md#inotify)',
    );
    expect(binaryCheck(scenario('seed-scale'), undefined, 2048).filter((p) => p.includes('inotify'))).toEqual([]);
    expect(binaryCheck(scenario('seed-scale-gate'), undefined, 128).filter((p) => p.includes('inotify'))).toEqual([]);
    expect(binaryCheck(scenario('hot-client'), undefined, 128)).toEqual([]);
  });

  it('reads the limit from /proc, and nothing where it cannot', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'inotify-')), 'max_user_instances');
    fs.writeFileSync(file, '512\n');
    expect(inotifyInstanceLimit(file)).toBe(512);
    expect(inotifyInstanceLimit(`${file}.missing`)).toBeUndefined();
  });
});
