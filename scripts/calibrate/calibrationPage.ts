// The HTML page of a calibration (docs/fidelity.md): per scenario, the simulator's and the real
// components' figures side by side with the difference, the expected error and its basis, and links to both runs'
// own reports (docs/report.md), built from the report's page parts (scripts/report/html.ts).
import path from 'node:path';
import { esc, fmt, page } from '../report/html.ts';
import type { CalibrationRow } from './calibrationRow.ts';
import { swapsText, type CalibrationFile } from './calibration.ts';

const BADGE: Record<CalibrationRow['status'], string> = {
  within: '<span class="badge ok">within</span>',
  outside: '<span class="badge bad">outside</span>',
  inconclusive: '<span class="badge warn">inconclusive</span>',
  'not-measured': '<span class="badge na">not measured</span>',
  info: '<span class="badge na">shown</span>',
};

function cell(value: CalibrationRow['simulated']): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : fmt(value, 3);
  return value === null ? 'n/a' : esc(String(value));
}

function table(rows: CalibrationRow[]): string {
  const body = rows
    .map(
      (r) =>
        `<tr><td>${esc(r.mode)}</td><td class="left">${esc(r.metric)}</td><td>${cell(r.simulated)}</td><td>${cell(r.real)}</td>` +
        `<td>${r.difference === undefined ? '' : fmt(r.difference, 3)}</td><td>${r.expectedError === undefined ? '' : `± ${fmt(r.expectedError, 3)}`}</td>` +
        `<td>${BADGE[r.status]}</td><td class="left small muted"><span class="cell-text">${esc(r.basis)}</span></td></tr>`,
    )
    .join('\n');
  return `<table class="wide"><thead><tr><th>mode</th><th class="left">figure</th><th>simulator (local)</th><th>real (binary)</th><th>difference</th><th>expected error</th><th>verdict</th><th class="left">expected error from</th></tr></thead><tbody>${body}</tbody></table>`;
}

function reportLink(file: string | undefined, from: string, label: string): string {
  if (!file) return '';
  const html = path.relative(from, file.replace(/\.json$/, '.html'));
  return `<a href="${esc(html)}">${esc(label)}</a>`;
}

export function renderCalibrationPage(file: CalibrationFile, pageDir: string): string {
  const sections = file.scenarios.map((s) => {
    const rows = file.rows.filter((r) => r.scenario === s.scenario);
    const links = [reportLink(s.files.local, pageDir, 'simulator report'), reportLink(s.files.binary, pageDir, 'real components report')].filter(Boolean);
    return `<h2>${esc(s.scenario)}${s.timeScale !== 1 ? ` (time scale ${s.timeScale})` : ''}</h2>
<p class="muted">${s.simulatorComponents ? `the simulator with real ${esc(swapsText(s.simulatorComponents))}; ` : ''}modes ${esc(s.modes.join(', '))}; seeds: simulator ${s.seeds.local}, binary ${s.seeds.binary} (kube-proxy's choices are not seeded); ${links.join(' · ')}</p>
<div class="card">${table(rows)}</div>`;
  });
  const { summary } = file;
  const verdict =
    summary.outside === 0
      ? '<span class="badge ok">every judged row within its expected error</span>'
      : `<span class="badge bad">${summary.outside} row(s) outside</span>`;
  const body = `<h1>Calibration: the simulator against the real components</h1>
<p>${verdict} <span class="muted">${summary.within} within, ${summary.outside} outside, ${summary.inconclusive} inconclusive, ${summary.notMeasured} not measured, ${summary.info} shown only; level ${file.level} per row (docs/fidelity.md)</span></p>
<dl class="kv"><dt>started</dt><dd>${esc(file.startedAt)}</dd><dt>machine</dt><dd>${esc(`${file.machine.cpus} × ${file.machine.cpuModel ?? '?'}, ${file.machine.platform}, node ${file.machine.node}`)}</dd>
<dt>real components</dt><dd>${esc(
    Object.entries(file.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', '),
  )}</dd></dl>
${sections.join('\n')}
<footer>apiserver-l7-testbed calibration · how to read it: docs/fidelity.md</footer>`;
  return page({ title: 'calibration', body, data: { summary }, script: '' });
}
