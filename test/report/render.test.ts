// The HTML report without a browser (scripts/report/render.ts, charts.ts): self-contained, escaped, honest about
// missing data; the browser test (browser.test.ts) checks that the charts draw.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketSeries, niceCeiling } from '../../scripts/report/charts.ts';
import { loadResultsFile, normalizeResults } from '../../scripts/report/load.ts';
import { renderReport, writeReportNextTo } from '../../scripts/report/render.ts';

const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures', name);
const raw = (name: string) => JSON.parse(fs.readFileSync(fixture(name), 'utf8'));

/** The chart specs inlined in a page. */
function specs(html: string): { id: string; series: { label: string; colour: string; values: (number | null)[] }[]; events?: { label: string }[] }[] {
  const json = /<script type="application\/json" id="page-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
  return JSON.parse(json).charts;
}

describe('renderReport', () => {
  it('is one self-contained page: uPlot, its CSS and the data inlined, nothing fetched', () => {
    const html = renderReport(loadResultsFile(fixture('hot-client-v2.json')));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(fs.readFileSync('node_modules/uplot/dist/uPlot.iife.min.js', 'utf8').slice(0, 200));
    expect(html).toContain('.uplot, .uplot *');
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/i);
    expect(html).toContain("default-src 'none'");
  });

  it('one chart container per spec, every replica with the same colour in every mode', () => {
    const html = renderReport(loadResultsFile(fixture('synthetic-full-v2.json')));
    const charts = specs(html);
    const containers = [...html.matchAll(/<div class="chart" id="([^"]+)"/g)].map((m) => m[1]);
    expect(containers.sort()).toEqual(charts.map((c) => c.id).sort());
    // requests, max/mean, open connections, inflight for both modes; 429s only where there were any (direct)
    expect(charts.map((c) => c.id).sort()).toEqual(
      [
        'chart-requests-0',
        'chart-requests-1',
        'chart-imbalance-0',
        'chart-imbalance-1',
        'chart-connections-0',
        'chart-connections-1',
        'chart-inflight-0',
        'chart-inflight-1',
        'chart-429-0',
      ].sort(),
    );
    const colour = new Map<string, string>();
    for (const c of charts) {
      for (const s of c.series) {
        if (!s.label.startsWith('kube-apiserver')) continue;
        expect(colour.get(s.label) ?? s.colour).toBe(s.colour);
        colour.set(s.label, s.colour);
      }
    }
    expect(new Set(colour.values()).size).toBe(3);
    expect(charts.find((c) => c.id === 'chart-requests-0')!.events!.map((e) => e.label)).toEqual(['kill-1']);
  });

  it('shows every section: description, checks with pass/fail, APF, failures, self-check, run parameters', () => {
    const html = renderReport(loadResultsFile(fixture('synthetic-full-v2.json')));
    for (const text of [
      'SYNTHETIC TEST FIXTURE',
      '1 of 4 expectations failed',
      'workload-low',
      'queue-full 10, time-out 2',
      'tooManyRequests',
      'light-controller-11',
      'gateway-0 event loop p99 38 ms',
      '{&quot;duration&quot;:10000',
      'Convergence',
      'never',
      'L4 theory 2.83',
      'linux x64, 2 CPUs (AMD EPYC), Node v20.20.2',
      'estimates',
    ]) {
      expect(html).toContain(text);
    }
    expect(html.match(/class="badge bad">fail</g)).toHaveLength(1);
    expect(html.match(/class="badge ok">pass</g)).toHaveLength(3);
  });

  it('an inconclusive or not applicable check is neither pass nor fail, with its reason', () => {
    const file = raw('synthetic-full-v2.json');
    const reason = 'it would have failed, but the self-check says the machine limited l7';
    file.checks = file.checks.map((c: Record<string, unknown>) => ({ ...c, ok: true, status: 'inconclusive', reason }));
    const html = renderReport(normalizeResults(file));
    expect(html).toContain(`no expectation failed; ${file.checks.length} of ${file.checks.length} inconclusive or not applicable`);
    expect(html.match(/class="badge warn" title="it would have failed, but the self-check says the machine limited l7">inconclusive</g)).toHaveLength(
      file.checks.length,
    );
    expect(html).not.toMatch(/class="badge (ok|bad)">(pass|fail)</);
  });

  it('the v1 file and a v2 file with empty timeline arrays render, saying what was not recorded', () => {
    const v1 = renderReport(loadResultsFile(fixture('hot-client-v1.json')));
    expect(v1).toContain('Failures by kind are not recorded in this results file');
    expect(v1).toContain('not recorded (results schema v1)');
    expect(specs(v1).map((c) => c.id)).toEqual(['chart-requests-0', 'chart-requests-1', 'chart-requests-2', 'chart-requests-3']);
    const v2 = renderReport(loadResultsFile(fixture('hot-client-v2.json')));
    expect(v2).toContain('No connection timeline in this run');
    expect(v2).toContain('n/a: APF is off');
    expect(specs(v2).some((c) => c.id.startsWith('chart-connections'))).toBe(false);
  });

  it('NaN, null and empty data read n/a and draw no chart; nothing says NaN or undefined', () => {
    const doc = raw('hot-client-v2.json');
    doc.modes[0].fairness = { n: 3, total: 0, mean: 0, maxOverMean: null, minOverMean: null, cov: null, jain: null };
    doc.modes[0].latency = { count: 0, p50Ms: null, p90Ms: null, p99Ms: null, p999Ms: null, maxMs: null, meanMs: null };
    for (const r of Object.values<any>(doc.modes[0].timeline.replicas)) r.requests = [];
    doc.modes[0].replicas.forEach((r: any) => Object.assign(r, { p50Ms: null, p99Ms: null, share: null, perSecond: [] }));
    delete doc.modes[1].selfCheck;
    doc.modes[1].timeline = { bucketMs: 1000, replicas: {}, maxOverMean: [], events: [] };
    doc.modes[1].replicas.forEach((r: any) => (r.perSecond = [null, null]));
    const html = renderReport(normalizeResults(doc));
    const text = html.replace(/<script[\s\S]*?<\/script>/g, '');
    expect(text).not.toMatch(/\bNaN\b|undefined|Infinity/);
    expect(text).toContain('n/a');
    expect(specs(html).map((c) => c.id)).toEqual(['chart-requests-2', 'chart-requests-3']);
    for (const c of specs(html)) expect(c.series.some((s) => s.values.some((v) => typeof v === 'number'))).toBe(true);
  });

  it('escapes everything that comes from the file', () => {
    const doc = raw('hot-client-v2.json');
    doc.scenario.description = '</script><script>alert(1)</script><b>bold</b>';
    doc.modes[0].replicas[0].replica = '<img src=x onerror=alert(2)>';
    const html = renderReport(normalizeResults(doc));
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;/script&gt;&lt;script&gt;alert(1)');
    const data = /id="page-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(data).not.toContain('<');
  });

  it('accepts the runner’s in-memory results (NaN, no timelineSource) as well as a loaded file', () => {
    const doc = raw('hot-client-v2.json');
    doc.modes[2].fairness.jain = NaN;
    expect(() => renderReport(doc)).not.toThrow();
  });
});

describe('writeReportNextTo', () => {
  it('writes <name>.html next to <name>.json and returns its path', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'report-'));
    try {
      const json = path.join(dir, 'hot-client-2026-01-01T00-00-00-000Z.json');
      fs.copyFileSync(fixture('hot-client-v2.json'), json);
      const out = writeReportNextTo(loadResultsFile(json), json);
      expect(out).toBe(path.join(dir, 'hot-client-2026-01-01T00-00-00-000Z.html'));
      expect(fs.readFileSync(out, 'utf8')).toContain('<h1>hot-client');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bucketSeries', () => {
  const mode = (loadPhaseMs: number, requests: number[]) =>
    normalizeResults({
      ...raw('hot-client-v2.json'),
      modes: [
        {
          ...raw('hot-client-v2.json').modes[0],
          loadPhaseMs,
          timeline: { bucketMs: 1000, replicas: { r: { requests, openConnections: [2, 3], inflight: [], tooManyRequests: [] } }, maxOverMean: [], events: [] },
        },
      ],
    }).modes[0]!;

  it('turns counts into rates; a short last bucket is left out, a longer one divided by its real width', () => {
    const short = bucketSeries(mode(3110, [400, 410, 420, 40]), 'requests')!;
    expect(short.series[0]!.values).toEqual([400, 410, 420]);
    expect(short.droppedPartialMs).toBeCloseTo(110);
    expect(short.x).toEqual([0.5, 1.5, 2.5]);
    const long = bucketSeries(mode(3600, [400, 410, 420, 240]), 'requests')!;
    expect(long.series[0]!.values[3]).toBeCloseTo(400);
    expect(long.x[3]).toBeCloseTo(3.3);
    expect(long.droppedPartialMs).toBeUndefined();
  });

  it('gauges are drawn as recorded; a field with no data gives no series', () => {
    expect(bucketSeries(mode(2000, [1, 2]), 'openConnections')!.series[0]!.values).toEqual([2, 3]);
    expect(bucketSeries(mode(2000, [1, 2]), 'inflight')).toBeUndefined();
  });

  it('niceCeiling picks a round top for the shared axis', () => {
    expect(niceCeiling(463)).toBe(500);
    expect(niceCeiling(2.1)).toBe(2.5);
    expect(niceCeiling(0)).toBe(1);
  });
});
