// `npm run report` and `npm run compare` as a user runs them: bad input gives one clear line on stderr and exit 2,
// never a stack trace or an empty page; a threshold beyond its bound exits 1; --json keeps stdout pure JSON.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const fixtures = path.join(import.meta.dirname, 'fixtures');
const fixture = (name: string) => path.join(fixtures, name);
let dir: string;

const run = (script: string, ...args: string[]) =>
  execa(process.execPath, ['--import', 'tsx', `scripts/${script}.ts`, ...args], { reject: false, timeout: 30_000, env: { ...process.env, FORCE_COLOR: '0' } });

/** One line on stderr, no stack trace. */
function expectOneLine(stderr: string, pattern: RegExp) {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at |Error:/);
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-cli-'));
  const v2 = fs.readFileSync(fixture('hot-client-v2.json'), 'utf8');
  fs.writeFileSync(path.join(dir, 'truncated.json'), v2.slice(0, 2000));
  const other = JSON.parse(v2);
  other.scenario.name = 'watch-skew';
  fs.writeFileSync(path.join(dir, 'watch-skew.json'), JSON.stringify(other));
  const worse = JSON.parse(v2);
  worse.modes.find((m: any) => m.mode === 'l7').fairness.maxOverMean = 1.5;
  fs.writeFileSync(path.join(dir, 'worse.json'), JSON.stringify(worse));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npm run report', () => {
  it('writes the page next to the JSON, or to --out', async () => {
    fs.copyFileSync(fixture('hot-client-v1.json'), path.join(dir, 'run.json'));
    const res = await run('report', path.join(dir, 'run.json'));
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toContain(path.join(dir, 'run.html'));
    expect(fs.readFileSync(path.join(dir, 'run.html'), 'utf8')).toContain('</html>');
    const out = await run('report', fixture('synthetic-full-v2.json'), '--out', path.join(dir, 'sub', 'full.html'));
    expect(out.exitCode, out.stderr).toBe(0);
    expect(fs.existsSync(path.join(dir, 'sub', 'full.html'))).toBe(true);
  });

  it.each([
    ['not-results.json', /report: .*not-results\.json: not a results file/],
    ['unknown-version.json', /schema version 3 is not supported/],
    ['<tmp>/truncated.json', /not valid JSON .*truncated/],
    ['<tmp>/missing.json', /missing\.json: no such file/],
  ])('refuses %s with exit 2 and writes no page', async (name, message) => {
    const file = name.startsWith('<tmp>/') ? path.join(dir, name.slice(6)) : fixture(name);
    const res = await run('report', file, '--out', path.join(dir, 'refused.html'));
    expect(res.exitCode).toBe(2);
    expectOneLine(res.stderr, message);
    expect(fs.existsSync(path.join(dir, 'refused.html'))).toBe(false);
  });

  it('a missing argument is a usage error (exit 2)', async () => {
    const res = await run('report');
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/missing required argument/);
  });
});

describe('npm run compare', () => {
  it('plain lines without a TTY; a threshold beyond its bound exits 1', async () => {
    const res = await run('compare', fixture('hot-client-v2.json'), path.join(dir, 'worse.json'), '--fail-on', 'maxOverMean:+10%', 'errorRate:+0.01');
    expect(res.exitCode, res.stderr).toBe(1);
    expect(res.stdout).not.toMatch(/[┌│]/);
    expect(res.stdout).toMatch(/^l7 +max\/mean +1\.01 → +1\.50 +\+0\.49 \(\+48\.9%\) +worse$/m);
    expect(res.stdout).toMatch(/^ {2}FAIL {2}maxOverMean:\+10% \[l7\]: 1\.01 → 1\.50/m);
    expect(res.stdout).toMatch(/^ {2}ok {4}maxOverMean:\+10% \[direct\]/m);
    expect(res.stdout).toMatch(/1 threshold check\(s\) failed/);
  });

  it('--json prints only JSON, with the outcomes', async () => {
    const res = await run('compare', fixture('hot-client-v2.json'), fixture('hot-client-v2.json'), '--json', '--fail-on', 'p99Ms@l7:+20%');
    expect(res.exitCode, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout);
    expect(doc).toMatchObject({ scenario: 'hot-client', ok: true, modes: ['direct', 'l7', 'passthrough', 'goaway'] });
    expect(doc.thresholds).toEqual([expect.objectContaining({ mode: 'l7', metric: 'p99Ms', ok: true, change: 0 })]);
  });

  it.each([
    [['<v2>', '<tmp>/watch-skew.json'], /compare: cannot compare runs of different scenarios: .* ran "hot-client", .* ran "watch-skew"/],
    [['<v2>', 'not-results.json'], /compare: .*not-results\.json: not a results file/],
    [['unknown-version.json', '<v2>'], /schema version 3 is not supported/],
    [['<v2>', '<tmp>/truncated.json'], /truncated/],
    [['<v2>', '<v2>', '--fail-on', 'p99:+10%'], /compare: --fail-on "p99:\+10%": unknown metric "p99"/],
    [['<v2>', '<v2>', '--fail-on', 'p99Ms:20%'], /the bound needs a sign/],
  ])('bad input %j exits 2 with one line', async (args, message) => {
    const resolved = args.map((a) =>
      a === '<v2>' ? fixture('hot-client-v2.json') : a.startsWith('<tmp>/') ? path.join(dir, a.slice(6)) : a.endsWith('.json') ? fixture(a) : a,
    );
    const res = await run('compare', ...resolved);
    expect(res.exitCode).toBe(2);
    expectOneLine(res.stderr, message);
    expect(res.stdout).toBe('');
  });
});
