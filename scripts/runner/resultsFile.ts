// Where a run's results go: <dir>/<scenario>-<start time>.json, and a copy as <scenario>-latest.json that
// `npm run report` and `npm run compare` pick up by default (docs/results.md).
import fs from 'node:fs';
import path from 'node:path';
import type { ScenarioResults } from './results.ts';

export interface ResultsFiles {
  file: string;
  latest: string;
}

export function writeResultsFile(results: ScenarioResults, dir: string): ResultsFiles {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const file = path.join(dir, `${results.scenario.name}-${stamp}.json`);
  const latest = path.join(dir, `${results.scenario.name}-latest.json`);
  const text = `${JSON.stringify(results, null, 2)}\n`;
  fs.writeFileSync(file, text);
  fs.writeFileSync(latest, text);
  return { file, latest };
}
