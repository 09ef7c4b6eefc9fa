// The counting rows of a calibration (docs/fidelity.md#expected-error): 429s per replica (largest first) and per
// priority level, requests failed by kind, GOAWAYs received and connections opened per client group, conservation,
// open connections per replica, and APF queue waits (absolute: shown, not judged).
//
// Bounds: counts of rare events are compared as Poisson counts, Z·√(a + b) with the two observed counts as their
// variances (the 429s of an overloaded replica are burstier than Poisson, so this is the narrow end); GOAWAYs and the
// reconnects they cause have a known expectation, attempts × goaway-chance per target (kube-apiserver
// `WithProbabilisticGoaway` ends a connection after a request with that probability), so their variance is that
// expectation; the connections each reconnect opens are shown (below); conservation is exact on both targets.
import type { Scenario } from '../../scenarios/schema.ts';
import type { ModeResult } from '../runner/results.ts';
import { exactRow, infoRow, numericRow, poissonBound, type CalibrationRow } from './calibrationRow.ts';

const POISSON = 'Poisson counting error of both counts, Z·√(a+b)';

function rejectedOf(result: ModeResult, level: string): number {
  return result.replicas.reduce((sum, r) => sum + Object.values(r.apf?.priorityLevels[level]?.rejected ?? {}).reduce((a, b) => a + b, 0), 0);
}

function levelsOf(...results: ModeResult[]): string[] {
  const names = new Set<string>();
  for (const result of results) for (const r of result.replicas) for (const level of Object.keys(r.apf?.priorityLevels ?? {})) names.add(level);
  return [...names].sort();
}

function countRow(base: Omit<CalibrationRow, 'simulated' | 'real' | 'status' | 'basis'>, sim: number, real: number): CalibrationRow {
  return numericRow({ ...base, basis: POISSON }, sim, real, poissonBound(sim, real));
}

export function tooManyRequestsRows(scenario: Scenario, simulated: ModeResult, real: ModeResult): CalibrationRow[] {
  const base = { scenario: scenario.name, mode: simulated.mode };
  const sorted = (r: ModeResult) => r.replicas.map((x) => x.tooManyRequests).sort((a, b) => b - a);
  const sim = sorted(simulated);
  const act = sorted(real);
  const rows = [countRow({ ...base, metric: '429s, all replicas' }, sum(sim), sum(act))];
  for (let rank = 0; rank < Math.max(sim.length, act.length); rank++)
    rows.push(countRow({ ...base, metric: `429s of replica #${rank + 1} by 429s` }, sim[rank] ?? 0, act[rank] ?? 0));
  for (const level of levelsOf(simulated, real)) {
    const a = rejectedOf(simulated, level);
    const b = rejectedOf(real, level);
    if (a > 0 || b > 0) rows.push(countRow({ ...base, metric: `APF rejections, ${level}` }, a, b));
    const wait = (r: ModeResult) => Math.max(...r.replicas.map((x) => x.apf?.priorityLevels[level]?.queueWaitP99Ms ?? NaN).filter(Number.isFinite));
    const waits = [wait(simulated), wait(real)];
    if (waits.some((w) => Number.isFinite(w) && w > 0))
      rows.push(infoRow({ ...base, metric: `APF queue wait p99 ms, ${level} (busiest)`, basis: 'absolute latency: not compared' }, waits[0], waits[1]));
  }
  return rows;
}

export function failureRows(scenario: Scenario, simulated: ModeResult, real: ModeResult): CalibrationRow[] {
  const base = { scenario: scenario.name, mode: simulated.mode };
  const kinds = [...new Set([...Object.keys(simulated.failures.byKind), ...Object.keys(real.failures.byKind)])].sort();
  const rows = kinds.map((kind) =>
    countRow({ ...base, metric: `failed requests, ${kind}` }, simulated.failures.byKind[kind] ?? 0, real.failures.byKind[kind] ?? 0),
  );
  rows.push(countRow({ ...base, metric: 'requests failed after every retry' }, simulated.failures.finallyFailed, real.failures.finallyFailed));
  rows.push(
    exactRow(
      { ...base, metric: 'conservation (every answer counted by one replica)', basis: 'exact on both targets' },
      simulated.conservation.ok,
      real.conservation.ok,
    ),
  );
  return rows;
}

/** GOAWAYs and connections per client group; the expectation of both is attempts × goaway-chance in the goaway mode, else 0. */
export function connectionRows(scenario: Scenario, simulated: ModeResult, real: ModeResult): CalibrationRow[] {
  const base = { scenario: scenario.name, mode: simulated.mode };
  const chance = simulated.mode === 'goaway' ? scenario.topology.controlPlane.goawayChance : 0;
  const basis = `Poisson around attempts × goaway-chance (${chance}) per target`;
  // Each reconnect costs one dial per request waiting for a connection (client-go's net/http transport, which the
  // simulator now follows: docs/client-go.md#dials-after-a-miss-one-per-waiting-request), about 1 + rate × dial time,
  // and the dial time is each machine's TLS handshake under its load: no null model shared by both targets. The rule
  // itself is pinned against the real client-go on one server (test/clients/goClientDials.test.ts); here it is shown.
  const dialBasis = "shown: about 1 + rate × dial time per reconnect, the dial time each target machine's own (docs/fidelity.md divergence 2)";
  const rows: CalibrationRow[] = [];
  for (const group of simulated.clients) {
    const other = real.clients.find((g) => g.group === group.group);
    if (!other) continue;
    const bound = poissonBound(group.attempts * chance, other.attempts * chance);
    rows.push(numericRow({ ...base, metric: `GOAWAYs received, ${group.group}`, basis }, group.goawaysReceived, other.goawaysReceived, bound));
    rows.push(
      infoRow(
        { ...base, metric: `connections opened beyond one per pod, ${group.group}`, basis: dialBasis },
        group.connectionsOpened - group.pods,
        other.connectionsOpened - other.pods,
      ),
    );
  }
  const open = (r: ModeResult) =>
    Object.values(r.timeline.replicas)
      .map((s) => mean(s.openConnections))
      .sort((a, b) => b - a);
  const sim = open(simulated);
  const act = open(real);
  for (let rank = 0; rank < Math.max(sim.length, act.length); rank++) {
    // Connections are placed by the same random choice as the traffic, which the balance rows judge: shown here.
    const row = infoRow({ ...base, metric: `open client connections of replica #${rank + 1} (mean over the run)`, basis: 'shown' }, sim[rank], act[rank]);
    rows.push(row.real === null ? { ...row, basis: 'kube-apiserver exports no such metric', status: 'not-measured' } : row);
  }
  return rows;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function mean(values: (number | null)[]): number {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  return finite.length > 0 ? sum(finite) / finite.length : NaN;
}
