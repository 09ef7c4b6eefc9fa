// Where a run's results go: <dir>/<scenario>-<start time>.json, and a copy as <scenario>-latest.json that
// `npm run report` and `npm run compare` pick up by default (docs/results.md).
import fs from 'node:fs';
import path from 'node:path';
import type { ScenarioResults } from './results.ts';

export function writeResultsFile(results: ScenarioResults, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const file = path.join(dir, `${results.scenario.name}-${stamp}.json`);
  const text = `${JSON.stringify(results, null, 2)}\n`;
  fs.writeFileSync(file, text);
  fs.writeFileSync(path.join(dir, `${results.scenario.name}-latest.json`), text);
  return file;
}
