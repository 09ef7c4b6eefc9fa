// Building blocks of the self-contained pages (the report and the live dashboard, docs/report.md): HTML escaping,
// number formatting with "n/a" for anything not measured, the replica colours, and the inlined assets (uPlot and
// its CSS from node_modules/uplot/dist, the chart helper in ./assets), so a page opens with no network at all.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON for a <script type="application/json"> block: "<" is escaped so no value can close the element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Script text for an inline <script>: a literal "</script" inside would end the element early. */
function inlineScript(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1');
}

export const NA = 'n/a';

export const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

export function fmt(x: unknown, digits = 2): string {
  return isNum(x) ? x.toFixed(digits) : NA;
}

export function fmtInt(x: unknown): string {
  return isNum(x) ? Math.round(x).toLocaleString('en-US') : NA;
}

export function fmtPct(x: unknown, digits = 1): string {
  return isNum(x) ? `${(x * 100).toFixed(digits)} %` : NA;
}

export function fmtMs(x: unknown): string {
  if (!isNum(x)) return NA;
  return `${x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : Math.round(x).toString()} ms`;
}

/**
 * Tableau 10: distinct, readable on white, and kind to the common colour-vision deficiencies. Replica N keeps its
 * colour in every chart of a page (see replicaColours).
 */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function colourAt(index: number): string {
  if (index < PALETTE.length) return PALETTE[index]!;
  return `hsl(${(index * 137.5) % 360}, 60%, 45%)`;
}

/** Natural order: kube-apiserver-2 before kube-apiserver-10. */
export function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** One colour per replica name, from the union of the names, in natural order. */
export function replicaColours(names: Iterable<string>): Map<string, string> {
  const sorted = [...new Set(names)].sort(naturalCompare);
  return new Map(sorted.map((name, i) => [name, colourAt(i)]));
}

let cachedAssets: { uplotJs: string; uplotCss: string; chartsJs: string } | undefined;

export function assets(): { uplotJs: string; uplotCss: string; chartsJs: string } {
  cachedAssets ??= {
    uplotJs: fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    chartsJs: fs.readFileSync(new URL('./assets/charts.js', import.meta.url), 'utf8'),
  };
  return cachedAssets;
}

export const BASE_CSS = `
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #dadce0; --bg: #fff; --card: #fafafa; --ok: #1e7e34; --bad: #c5221f; --warn: #b06000; }
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 24px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 6px; }
h4 { font-size: 13px; margin: 12px 0 4px; color: var(--muted); font-weight: 600; }
p { margin: 4px 0 8px; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.na { color: var(--muted); font-style: italic; margin: 6px 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 14px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; min-width: 0; overflow-x: auto; }
table { border-collapse: collapse; font-size: 12px; }
th, td { padding: 2px 6px; border-bottom: 1px solid var(--line); text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { font-weight: 600; background: #f1f3f4; white-space: normal; vertical-align: bottom; }
table.wide { width: 100%; }
.card th, .card td { padding: 2px 4px; }
td.left, th.left { text-align: left; }
.cell-text { display: inline-block; white-space: normal; text-align: left; min-width: 14em; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.ok { background: var(--ok); } .badge.bad { background: var(--bad); } .badge.warn { background: var(--warn); } .badge.na { background: #9aa0a6; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 4px 0 10px; font-size: 13px; }
.chart { width: 100%; min-height: 60px; }
.uplot .u-legend { font-size: 12px; text-align: left; margin: 2px 0 0; }
.uplot .u-legend .u-series th { font-weight: 500; }
.bars { display: grid; grid-template-columns: max-content minmax(50px, 1fr) max-content; gap: 3px 8px; align-items: center; font-size: 13px; }
.bar { position: relative; height: 16px; background: #eceff1; border-radius: 2px; }
.bar > .fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 2px; }
.bar > .mark { position: absolute; top: -3px; bottom: -3px; border-left: 2px dashed #333; }
.bar > .mark.theory { border-left-color: var(--bad); }
.scale { display: flex; justify-content: space-between; font-size: 11px; color: var(--muted); }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 0; font-size: 13px; }
dl.kv dt { color: var(--muted); } dl.kv dd { margin: 0; word-break: break-word; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
footer { margin-top: 30px; font-size: 12px; color: var(--muted); }
`;

export interface PageParts {
  title: string;
  body: string;
  css?: string;
  /** JSON data, inlined as <script type="application/json" id="page-data">. */
  data: unknown;
  /** The page's own script, run after uPlot and the chart helper. */
  script: string;
}

/** A complete HTML document with everything inlined. */
export function page(parts: PageParts): string {
  const a = assets();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'">
<title>${esc(parts.title)}</title>
<style>${a.uplotCss}</style>
<style>${BASE_CSS}${parts.css ?? ''}</style>
</head>
<body>
${parts.body}
<script type="application/json" id="page-data">${jsonForScript(parts.data)}</script>
<script>${inlineScript(a.uplotJs)}</script>
<script>${inlineScript(a.chartsJs)}</script>
<script>${inlineScript(parts.script)}</script>
</body>
</html>
`;
}
