// The report and the live dashboard in headless Chromium (playwright-core, the system's chromium; never a
// downloaded browser): no page or console error, no request leaves the page's own origin, every chart is drawn with
// data (its series hold finite points and its canvas has pixels in the series' colours), the dashboard updates
// while load grows its counters, and screenshots land in results/screenshots/ (gitignored) as test artefacts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, describe, expect } from 'vitest';
import { startDashboard } from '../../scripts/report/dashboard.ts';
import { loadResultsFile } from '../../scripts/report/load.ts';
import { renderReport } from '../../scripts/report/render.ts';
import { pollUntil } from '../../scripts/core/poll.ts';
import { itWithTool, toolPath } from '../helpers/tools.ts';
import { FakeMetrics } from './fakeMetrics.ts';

const itWithChromium = itWithTool('chromium');
const SCREENSHOTS = path.resolve('results/screenshots');
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

let browser: Browser | undefined;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'report-browser-'));
afterAll(async () => {
  await browser?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function openPage(allowedOrigin: string): Promise<{ page: Page; problems: string[]; foreign: string[] }> {
  browser ??= await chromium.launch({ executablePath: toolPath('chromium'), args: ARGS });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  const foreign: string[] = [];
  // Callbacks only record; the test asserts afterwards.
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(allowedOrigin)) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  return { page, problems, foreign };
}

interface ChartCheck {
  id: string;
  canvases: number;
  points: number;
  colouredPixels: number;
}

/** Per chart container: canvases inside, finite points uPlot got, and pixels drawn in one of the series' colours. */
function inspectCharts(page: Page): Promise<{ containers: number; registry: number; charts: ChartCheck[] }> {
  return page.evaluate(() => {
    // Runs in the page (the test's tsconfig has no DOM types).
    const g = globalThis as any;
    const document = g.document;
    const registry = g.chartRegistry as { id: string; points: number; colours: string[] }[];
    const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const charts = registry.map((entry) => {
      const el = document.getElementById(entry.id);
      const canvases = el.querySelectorAll('canvas');
      let coloured = 0;
      const colours = entry.colours.filter((c) => /^#[0-9a-f]{6}$/i.test(c)).map(rgb);
      canvases.forEach((canvas: any) => {
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data as Uint8ClampedArray;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! < 200) continue;
          if (colours.some(([r, g, b]) => Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 30)) coloured++;
        }
      });
      return { id: entry.id, canvases: canvases.length, points: entry.points, colouredPixels: coloured };
    });
    return { containers: document.querySelectorAll('.chart').length, registry: registry.length, charts };
  });
}

describe('report and dashboard in a browser', () => {
  for (const name of ['synthetic-full-v2.json', 'hot-client-v2.json', 'hot-client-v1.json']) {
    itWithChromium(`the report of ${name} draws every chart with data and fetches nothing`, async () => {
      const file = path.join(tmp, name.replace(/\.json$/, '.html'));
      const html = renderReport(loadResultsFile(path.join(import.meta.dirname, 'fixtures', name)));
      fs.writeFileSync(file, html);
      const expected = (JSON.parse(/id="page-data">([\s\S]*?)<\/script>/.exec(html)![1]!).charts as unknown[]).length;
      expect(expected).toBeGreaterThan(0);

      const { page, problems, foreign } = await openPage('file://');
      await page.goto(pathToFileURL(file).href);
      const state = await pollUntil(
        () => inspectCharts(page),
        (s) => s.registry >= expected,
        { timeoutMs: 15_000, what: 'every chart to render' },
      );

      expect(problems).toEqual([]);
      expect(foreign).toEqual([]);
      expect(state.registry).toBe(expected);
      expect(state.containers).toBe(expected);
      for (const chart of state.charts) {
        expect(chart.canvases, chart.id).toBeGreaterThan(0);
        expect(chart.points, chart.id).toBeGreaterThan(0);
        expect(chart.colouredPixels, chart.id).toBeGreaterThan(50);
      }
      // The n/a lines are text, not empty charts.
      expect(await page.locator('.chart:not([data-rendered])').count()).toBe(0);
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, `report-${name.replace(/\.json$/, '')}.png`), fullPage: true });
      await page.close();
    });
  }

  itWithChromium('the live dashboard updates from /metrics while load is sent, and closes cleanly', async () => {
    const fake = new FakeMetrics([
      { name: 'kube-apiserver-0', rate: 20, tooManyShare: 0, inflight: 1 },
      { name: 'kube-apiserver-1', rate: 400, tooManyShare: 0.1, inflight: 35 },
      { name: 'kube-apiserver-2', rate: 30, tooManyShare: 0, inflight: 2 },
    ]);
    const dashboard = await startDashboard({ metrics: fake.endpoints(), intervalMs: 300, subtitle: 'test: a fake metrics source' });
    try {
      const origin = dashboard.url.replace(/\/$/, '');
      const { page, problems, foreign } = await openPage(origin);
      await page.goto(dashboard.url);
      const rateCells = () => page.locator('td[data-field="rate"]').allTextContents();
      const first = await pollUntil(
        async () => ({ state: await page.evaluate(() => (globalThis as any).dashboardState), rates: await rateCells() }),
        (v) => v.state.samples >= 2 && v.rates.length === 3,
        { timeoutMs: 15_000, what: 'the dashboard to show samples' },
      );
      // More load on one replica: the page has to show a different value at a later poll.
      fake.replica('kube-apiserver-0').rate = 300;
      const later = await pollUntil(
        async () => ({ state: await page.evaluate(() => (globalThis as any).dashboardState), rates: await rateCells() }),
        (v) => v.state.lastSeq > first.state.lastSeq && Number(v.rates[0]) > 150,
        { timeoutMs: 15_000, what: 'the dashboard to show the new load' },
      );
      expect(later.rates[0]).not.toBe(first.rates[0]);
      expect(later.state.polls).toBeGreaterThan(first.state.polls);
      expect(Number(later.rates[1])).toBeGreaterThan(200);

      const charts = await inspectCharts(page);
      expect(charts.registry).toBe(3);
      expect(charts.containers).toBe(3);
      for (const chart of charts.charts) {
        expect(chart.points, chart.id).toBeGreaterThan(3);
        expect(chart.colouredPixels, chart.id).toBeGreaterThan(50);
      }
      expect(problems).toEqual([]);
      expect(foreign).toEqual([]);
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard.png'), fullPage: true });

      await dashboard.close();
      // The page notices: the server is gone, not silently frozen.
      await pollUntil(
        () => page.locator('#status').textContent(),
        (t) => /does not answer/.test(t ?? ''),
        { timeoutMs: 15_000, what: 'the page to notice' },
      );
      await page.close();
    } finally {
      await dashboard.close();
    }
  });
});
