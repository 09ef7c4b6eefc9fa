// The bench's terminal output: one table per part, from the same result objects that go into
// results/bench-<time>.json (tables through scripts/runner/format.ts: cli-table3 on a TTY, aligned text otherwise).
import { table } from '../runner/format.ts';
import type { GateBenchResult } from './gateBench.ts';
import type { GatewayBenchResult, PathName, PathRun } from './gatewayBench.ts';
import type { LoadGeneratorBenchResult } from './loadGeneratorBench.ts';
import type { ScaleAxis, ScaleBenchResult } from './scaleBench.ts';
import type { WebhookBenchResult } from './webhookBench.ts';

const n = (x: number | undefined, digits = 0) => (x !== undefined && Number.isFinite(x) ? x.toFixed(digits) : '-');

export function gatewayTables(r: GatewayBenchResult, tty: boolean): string {
  const row = (shape: string, name: PathName, run: PathRun | undefined, added?: number) =>
    run
      ? [
          shape,
          name,
          n(run.perSecond),
          n(run.latencyMs.p50, 2),
          n(run.latencyMs.p99, 2),
          added === undefined ? '-' : n(added, 2),
          Object.values(run.perBackend).join(' / '),
          n(run.backendMaxOverMean, 2),
        ]
      : [shape, name, 'skipped', '', '', '', '', ''];
  const rows = [
    ...r.fixedRates.flatMap((f) => r.paths.map((p) => row(`${f.rate}/s`, p, f.runs[p], f.addedP99Ms[p]))),
    ...r.paths.map((p) => row('saturation', p, r.saturation[p])),
  ];
  const ratios = [
    `gateway / HAProxy random(2) saturated req/s: ${n(r.ratios.gatewayOverHaproxyRandom2SaturatedRps, 2)}`,
    `gateway / HAProxy roundrobin: ${n(r.ratios.gatewayOverHaproxyRoundrobinSaturatedRps, 2)}`,
    `gateway / direct: ${n(r.ratios.gatewayOverDirectSaturatedRps, 2)}`,
    `gateway / Envoy: ${n(r.ratios.gatewayOverEnvoySaturatedRps, 2)}`,
    `Envoy / HAProxy random(2): ${n(r.ratios.envoyOverHaproxyRandom2SaturatedRps, 2)}`,
  ].join('; ');
  return [
    table(['shape', 'path', 'req/s', 'p50 ms', 'p99 ms', 'added p99 ms', 'per backend', 'max/mean'], rows, tty),
    ratios,
    `target ${r.target}: ratio ${r.meetsTarget.saturatedRatio === undefined ? 'not measured (no HAProxy)' : r.meetsTarget.saturatedRatio ? 'met' : 'NOT met'}, added p99 ${r.meetsTarget.addedP99 ? 'met' : 'NOT met'}`,
    ...r.skipped,
  ].join('\n');
}

export function loadGeneratorTables(r: LoadGeneratorBenchResult, tty: boolean): string {
  const rows = r.rounds.map((round, i) => [
    String(i),
    n(round.h2load.perSecond),
    n(round.transport.perSecond),
    n(round.h2load.latencyMs.p99, 2),
    n(round.transport.latencyMs.p99, 2),
  ]);
  rows.push(['median', n(r.median.h2loadPerSecond), n(r.median.transportPerSecond), '', '']);
  const ladder = r.openLoop.steps.map((s) => [
    n(s.offered),
    n(s.achieved),
    n(s.sendLagP99Ms, 2),
    n(s.latencyP99Ms, 2),
    String(s.connections),
    s.ok ? 'ok' : 'stop',
  ]);
  return [
    table(['round', 'h2load req/s', 'ours req/s', 'h2load p99 ms', 'ours p99 ms'], rows, tty),
    `ours / h2load (1 connection, 100 streams, closed loop): ${n(r.ratioTransportOverH2load, 2)} (target >= 0.5: ${r.meetsTarget ? 'met' : 'NOT met'})`,
    table(['offered req/s', 'answered/s', 'send lag p99 ms', 'latency p99 ms', 'connections', ''], ladder, tty),
    `one client-go pod, open loop: ${r.openLoop.maxSustained} req/s sustained (${n(r.openLoop.ratioOverH2load, 2)}x h2load); stopped: ${r.openLoop.stoppedBecause}`,
  ].join('\n');
}

export function webhookTables(r: WebhookBenchResult, tty: boolean): string {
  const rows = r.runs.map((run) => [
    `${run.protocol} ${run.connections}x${run.streamsPerConnection}`,
    String(run.connections * run.streamsPerConnection),
    n(run.admissionsPerSecond),
    n(run.latencyMs.p50, 2),
    n(run.latencyMs.p99, 2),
    run.meetsTarget ? 'yes' : 'no',
  ]);
  const m = r.memoryAtRest;
  return [
    table(['shape', 'in flight', 'admissions/s', 'p50 ms', 'p99 ms', `meets ${r.target}`], rows, tty),
    `memory at rest: worker heap ${m.workerBeforeLoad.heapUsedMiB} MiB before load, ${m.workerAfterLoad.heapUsedMiB} MiB after; standalone \`webhook serve\` RSS ${m.standaloneServe.rssMiB} MiB`,
  ].join('\n');
}

export function scaleTables(r: ScaleBenchResult, tty: boolean): string {
  const titles: Record<ScaleAxis, string> = { clientPods: 'client pods', replicas: 'replicas', gatewayPods: 'gateway pods' };
  return (Object.keys(r.tables) as ScaleAxis[])
    .map((axis) => {
      const rows = r.tables[axis].map((p) => [
        String(p[axis]),
        `${p.clientPods}/${p.replicas}/${p.gatewayPods}`,
        n(p.startupMs),
        n(p.admitAndWarmUpMs),
        `${n(p.rssMiB.afterWarmUp)} / ${n(p.rssMiB.peak)}`,
        n(p.sustainedPerSecond),
        p.stoppedBecause.slice(0, 110),
      ]);
      return `${titles[axis]}:\n${table([titles[axis], 'pods/replicas/gw', 'start-up ms', 'admit+warm ms', 'RSS MiB (warm / peak)', 'clean req/s', 'stopped'], rows, tty)}`;
    })
    .join('\n');
}

export function gateTables(r: GateBenchResult, tty: boolean): string {
  const rows = r.scenarios.map((s) => [
    s.scenario,
    String(s.modes),
    n(s.loadPhaseMsPerMode / 1000, 1),
    n(s.wallMs / 1000, 1),
    `${s.checksPassed}/${s.checksPassed + s.checksFailed}`,
    String(s.selfCheckWarnings),
    s.error ?? '',
  ]);
  rows.push(['total', '', '', n(r.totalWallMs / 1000, 1), '', '', '']);
  return table(['scenario', 'modes', 'load s/mode', 'wall s', 'checks', 'self-check warnings', 'error'], rows, tty);
}
