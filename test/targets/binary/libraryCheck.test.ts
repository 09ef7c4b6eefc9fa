// Which library scenarios the binary target refuses (Target.check, docs/binary-target.md#what-it-does-not-do): only
// the one with a set-namespace-alias event (no NetworkPolicy controller runs). The http1-pool scenarios run since the
// Go load client runs that profile (docs/load-client.md#the-http1-pool-profile). The inotify budget is the machine's,
// so it is given here as ample.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../../scenarios/loader.ts';
import { binaryCheck } from '../../../scripts/targets/binary/binaryTarget.ts';

const library = fs
  .readdirSync(path.resolve(import.meta.dirname, '../../../scenarios'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''));

describe('the library on the binary target', () => {
  it('refuses only set-namespace-alias; runs the http1-pool scenarios', () => {
    const refused = Object.fromEntries(
      library.map((name) => [name, binaryCheck(loadScenarioFile(name).scenario, undefined, 1 << 20)] as const).filter(([, problems]) => problems.length > 0),
    );
    expect(Object.keys(refused)).toEqual(['webhook-misconfig']);
    expect(refused['webhook-misconfig']!.join('\n')).toMatch(/set-namespace-alias/);
    expect(library).toEqual(expect.arrayContaining(['http1-clients', 'upstream-http1']));
  });
});
