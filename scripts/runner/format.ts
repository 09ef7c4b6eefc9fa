// Human output: tables on a TTY (cli-table3), plain aligned lines otherwise (CI logs, pipes).
import Table from 'cli-table3';
import type { CheckResult, ModeResult, ScenarioResults } from './results.ts';

const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toString() : '-');
const n1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const n2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '-');

/** A table: the first column left-aligned, the others right-aligned (numbers) or left-aligned (text). */
export function table(head: string[], rows: string[][], tty: boolean, align: 'right' | 'left' = 'right'): string {
  const alignOf = (i: number) => (i === 0 ? 'left' : align);
  if (tty) {
    const t = new Table({ head, style: { head: [], border: [] }, colAligns: head.map((_, i) => alignOf(i)) });
    t.push(...rows);
    return t.toString();
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (alignOf(i) === 'left' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n');
}

export function formatMode(result: ModeResult, tty: boolean): string {
  const rows = result.replicas.map((r) => [
    r.replica,
    n0(r.requests),
    pct(r.share),
    n1(r.requestsPerSecond),
    n0(r.inflightPeak),
    n0(r.tooManyRequests),
    n1(r.p50Ms),
    n1(r.p99Ms),
  ]);
  const f = result.fairness;
  const c = result.conservation;
  const errors = result.clients.reduce((s, g) => s + Object.values(g.errors).reduce((a, b) => a + b, 0), 0);
  const answered = result.clients.reduce((s, g) => s + g.answered, 0);
  const l = result.latency;
  return [
    `── mode ${result.mode}: ${result.summary}`,
    table(['replica', 'requests', 'share', 'req/s', 'inflight peak', '429s', 'p50 ms*', 'p99 ms*'], rows, tty),
    `fairness: max/mean ${n2(f.maxOverMean)}  min/mean ${n2(f.minOverMean)}  CoV ${n2(f.cov)}  Jain ${n2(f.jain)}  ` +
      `(per-second max/mean ${n2(result.perSecondMaxOverMean)}; L4 theory 1+h(m-1) = ${n2(result.theory.hotClientMaxOverMean)} for heavy share h=${n2(result.theory.heavyShare)})`,
    `clients: ${answered} answered, ${errors} errors (rate ${pct(result.errorRate)}); latency from intended send time p50 ${n1(l.p50Ms)} p90 ${n1(l.p90Ms)} p99 ${n1(l.p99Ms)} p99.9 ${n1(l.p999Ms)} max ${n1(l.maxMs)} ms`,
    `conservation: ${c.ok ? 'ok' : 'MISMATCH'} — clients got ${c.clientAnswered} apiserver answers${c.warmUpAnswered ? ` (${c.warmUpAnswered} of them warm-ups of pods started by events)` : ''}, replicas counted ${c.replicaCounted}${c.inDoubt ? `, ${c.inDoubt} in doubt` : ''}`,
    ...neighbourLines(result),
    ...gatewayLines(result),
    ...failureLines(result),
    ...apfLines(result),
    ...eventLines(result),
    ...selfCheckLines(result),
  ].join('\n');
}

/** Each neighbour control plane behind the same gateway: how its replicas shared its requests (its groups' latency is in the group table). */
function neighbourLines(result: ModeResult): string[] {
  return (result.neighbours ?? []).map(
    (n) =>
      `neighbour ${n.controlPlane} (groups ${n.groups.join(', ') || 'none'}): ${n.requests} requests over ${n.replicas.length} replicas ` +
      `(${n.replicas.map((r) => `${r.replica.split('/').at(-1)} ${r.requests}`).join(', ')}), max/mean ${n2(n.fairness.maxOverMean)}`,
  );
}

/**
 * The shared gateway's accounting (docs/scenarios.md#gateway-accounting): one line per gateway pod, one for the
 * replicas' upstream connections from the gateway, and what the CPU and memory figures stand for.
 */
function gatewayLines(result: ModeResult): string[] {
  const a = result.gatewayAccounting;
  if (!a) return [];
  const pods = a.pods.map((p) => {
    const perCp = Object.values(p.upstreamByControlPlane);
    return (
      `gateway ${p.pod}: downstream ${p.downstreamConnections.open} open (${p.downstreamConnections.accepted} accepted), ` +
      `upstream ${p.upstreamConnections} to ${perCp.length} control planes (${perCp.length > 0 ? Math.min(...perCp) : 0}-${perCp.length > 0 ? Math.max(...perCp) : 0} each), ` +
      `${p.requests} requests, active ${p.activeRequests.now} (peak ${p.activeRequests.peak}), CPU ${n2(p.cpuCores)} cores, memory ${Math.round(p.memoryMiB)} MiB`
    );
  });
  const counts = Object.values(a.replicas);
  const replicas = `gateway upstream connections per replica: ${counts.length > 0 ? `${Math.min(...counts)}-${Math.max(...counts)} over ${counts.length} replicas` : 'none'}`;
  return [...pods, replicas, `  (${a.note})`];
}

function failureLines(result: ModeResult): string[] {
  const lines: string[] = [];
  const f = result.failures;
  const kinds = Object.entries(f.byKind).map(([kind, n]) => `${kind} ${n}`);
  if (kinds.length > 0 || f.retried > 0) lines.push(`failures after retries: ${kinds.join(', ') || 'none'}; ${f.retried} attempts retried`);
  if (f.warmUp.length > 0) lines.push(`warm-up failed for ${f.warmUp.length} pods, e.g. ${f.warmUp[0]!.pod}: ${f.warmUp[0]!.error}`);
  if (result.rejectedPods.length > 0) {
    const names = result.rejectedPods.slice(0, 3).map((p) => p.pod);
    lines.push(
      `rejected pods: ${result.rejectedPods.length} (${names.join(', ')}${result.rejectedPods.length > names.length ? ', ...' : ''}): ${result.rejectedPods[0]!.code} ${result.rejectedPods[0]!.message}`,
    );
  }
  return lines;
}

/** API Priority and Fairness per priority level, all replicas together: what was dispatched and rejected. */
function apfLines(result: ModeResult): string[] {
  const levels = new Map<string, { dispatched: number; rejected: number }>();
  for (const replica of result.replicas) {
    for (const [name, level] of Object.entries(replica.apf?.priorityLevels ?? {})) {
      const total = levels.get(name) ?? { dispatched: 0, rejected: 0 };
      total.dispatched += level.dispatched;
      total.rejected += Object.values(level.rejected).reduce((a, b) => a + b, 0);
      levels.set(name, total);
    }
  }
  const busy = [...levels].filter(([, l]) => l.dispatched > 0 || l.rejected > 0);
  if (busy.length === 0) return [];
  return [
    `API Priority and Fairness: ${busy.map(([name, l]) => `${name} ${l.dispatched} dispatched${l.rejected ? `, ${l.rejected} rejected` : ''}`).join('; ')}`,
  ];
}

function eventLines(result: ModeResult): string[] {
  return result.timeline.events.map((e) => {
    const convergence = result.convergence.find((c) => c.event === e.name);
    const timing = [`applied ${n0(e.appliedMs ?? NaN)} ms`, e.readyMs !== undefined ? `done ${n0(e.readyMs)} ms` : ''].filter(Boolean).join(', ');
    const back = convergence
      ? `; max/mean < ${convergence.threshold} ${convergence.seconds === 'never' ? 'never again' : `after ${n1(convergence.seconds)} s`}`
      : '';
    return `event ${e.name} at ${n1(e.startedAtMs / 1000)} s (${timing}): ${e.error ? `FAILED: ${e.error}` : e.detail}${back}`;
  });
}

function selfCheckLines(result: ModeResult): string[] {
  const warnings = result.selfCheck.warnings;
  return warnings.length > 0 ? warnings.map((w) => `self-check WARNING: ${w}`) : [];
}

export function formatClientGroups(result: ModeResult, tty: boolean): string {
  const rows = result.clients.map((g) => [
    g.group,
    n0(g.pods),
    n0(g.answered),
    n0(Object.values(g.errors).reduce((a, b) => a + b, 0)),
    n0(g.connectionsOpened),
    n0(g.goawaysReceived),
    n1(g.latency.p50Ms),
    n1(g.latency.p99Ms),
  ]);
  return table(['client group', 'pods', 'answered', 'errors', 'connections', 'GOAWAYs', 'p50 ms', 'p99 ms'], rows, tty);
}

export function formatComparison(results: ScenarioResults, tty: boolean): string {
  const rows = results.modes.map((m) => [
    m.mode,
    n2(m.fairness.maxOverMean),
    n2(m.fairness.minOverMean),
    n2(m.fairness.jain),
    n1(m.latency.p50Ms),
    n1(m.latency.p99Ms),
    pct(m.errorRate),
    m.conservation.ok ? 'ok' : 'MISMATCH',
  ]);
  return table(['mode', 'max/mean', 'min/mean', 'Jain', 'p50 ms', 'p99 ms', 'errors', 'conservation'], rows, tty);
}

export function formatChecks(checks: CheckResult[]): string {
  if (checks.length === 0) return 'checks: none in this scenario';
  const word = { pass: 'PASS', fail: 'FAIL', inconclusive: 'INCONCLUSIVE', 'not-applicable': 'N/A' } as const;
  return checks
    .map(
      (c) =>
        `${word[c.status]}  ${c.mode}: ${c.metric} = ${typeof c.actual === 'number' ? n2(c.actual) : c.actual} (expected ${c.expected})${c.reason ? `: ${c.reason}` : ''}`,
    )
    .join('\n');
}

export const LATENCY_FOOTNOTE =
  '* per-replica p50/p99 are histogram_quantile estimates over apiserver_request_duration_seconds without WATCH/CONNECT (lowest bucket 5 ms); client latencies are exact HdrHistograms.';
