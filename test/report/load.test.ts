// Loading results files (scripts/report/load.ts): v1 and v2 are read and normalised; everything else is refused with
// one line that says why.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadResultsFile, normalizeResults, parseResultsText, ResultsError } from '../../scripts/report/load.ts';

const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures', name);
const v2Text = fs.readFileSync(fixture('hot-client-v2.json'), 'utf8');

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ResultsError);
    expect((error as ResultsError).exitCode).toBe(2);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a ResultsError');
}

describe('loadResultsFile', () => {
  it('reads a v2 file as written by the runner, with its timeline', () => {
    const r = loadResultsFile(fixture('hot-client-v2.json'));
    expect(r.schemaVersion).toBe(2);
    expect(r.modes.map((m) => m.mode)).toEqual(['direct', 'l7', 'passthrough', 'goaway']);
    expect(r.modes[0]!.timelineSource).toBe('file');
    expect(r.modes[0]!.timeline.replicas['kube-apiserver-1']!.requests.length).toBeGreaterThan(0);
    expect(r.modes[0]!.selfCheck?.components.length).toBeGreaterThan(0);
  });

  it('reads a v1 file and rebuilds the request timeline from replicas[].perSecond; v2-only fields stay undefined', () => {
    const r = loadResultsFile(fixture('hot-client-v1.json'));
    expect(r.schemaVersion).toBe(1);
    const direct = r.modes[0]!;
    expect(direct.timelineSource).toBe('perSecond');
    expect(direct.timeline.replicas['kube-apiserver-1']!.requests).toEqual(direct.replicas.find((x) => x.replica === 'kube-apiserver-1')!.perSecond);
    expect(direct.timeline.replicas['kube-apiserver-1']!.openConnections).toEqual([]);
    expect(direct.failures).toBeUndefined();
    expect(direct.selfCheck).toBeUndefined();
    expect(r.target).toBeUndefined();
  });

  it('turns null numbers (NaN written by JSON.stringify) back into NaN', () => {
    const doc = JSON.parse(v2Text);
    doc.modes[0].fairness.jain = null;
    doc.modes[0].replicas[0].p99Ms = null;
    doc.modes[0].timeline.replicas['kube-apiserver-0'].requests[1] = null;
    const r = normalizeResults(doc);
    expect(r.modes[0]!.fairness.jain).toBeNaN();
    expect(r.modes[0]!.replicas[0]!.p99Ms).toBeNaN();
    expect(r.modes[0]!.timeline.replicas['kube-apiserver-0']!.requests[1]).toBeNaN();
  });

  it('accepts the in-memory results of the runner, NaN included', () => {
    const doc = JSON.parse(v2Text);
    doc.modes[1].latency.p99Ms = NaN;
    doc.modes[1].fairness.maxOverMean = Infinity;
    const r = normalizeResults(doc);
    expect(r.modes[1]!.latency.p99Ms).toBeNaN();
    expect(r.modes[1]!.fairness.maxOverMean).toBeNaN();
  });

  it('refuses a JSON file that is not a results file', () => {
    expect(refusal(() => loadResultsFile(fixture('not-results.json')))).toMatch(/not-results\.json: not a results file \(no schemaVersion/);
    expect(refusal(() => parseResultsText('[1, 2]', 'x.json'))).toMatch(/x\.json: not a results file .*an array/);
    expect(refusal(() => parseResultsText('"text"', 'x.json'))).toMatch(/not a results file/);
  });

  it('refuses an unknown schema version and names the supported ones', () => {
    expect(refusal(() => loadResultsFile(fixture('unknown-version.json')))).toMatch(/schema version 3 is not supported \(this tool reads versions 1 and 2/);
    expect(refusal(() => parseResultsText('{"schemaVersion": "2"}', 'x.json'))).toMatch(/schema version "2" is not supported/);
  });

  it('refuses truncated and invalid JSON, and an empty file', () => {
    expect(refusal(() => parseResultsText(v2Text.slice(0, 1500), 'cut.json'))).toMatch(/cut\.json: not valid JSON .*truncated/);
    expect(refusal(() => parseResultsText('{"schemaVersion": 2,,}', 'bad.json'))).toMatch(/bad\.json: not valid JSON/);
    expect(refusal(() => parseResultsText('  \n', 'empty.json'))).toMatch(/empty\.json: the file is empty/);
  });

  it('names the first field that does not fit the schema', () => {
    const doc = JSON.parse(v2Text);
    doc.modes[2].replicas[1].requests = 'many';
    expect(refusal(() => normalizeResults(doc, 'odd.json'))).toMatch(/odd\.json: not a valid schema v2 results file: modes\[2\]\.replicas\[1\]\.requests: /);
    const noModes = JSON.parse(v2Text);
    noModes.modes = [];
    expect(refusal(() => normalizeResults(noModes, 'none.json'))).toMatch(/has no modes/);
  });

  it('says when the file is missing or a directory', () => {
    expect(refusal(() => loadResultsFile(path.join(os.tmpdir(), 'no-such-results-file.json')))).toMatch(/no such file/);
    expect(refusal(() => loadResultsFile(os.tmpdir()))).toMatch(/is a directory/);
  });
});
