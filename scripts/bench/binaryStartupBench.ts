// `npm run bench -- binary` (docs/binary-target.md#start-up): how long each mode of hot-client's cluster takes to come
// up on the binary target's real components, and how much CPU the idle cluster then uses, per program (from
// /proc/<pid>/stat, scripts/targets/binary/processCpu.ts) and for the whole run against the machine's CPUs. Idle: no
// client pod runs; what remains is what the components do on their own (etcd's heartbeats and compaction, each
// kube-apiserver's controllers, leases and readiness probes, kube-proxy's resyncs, Envoy's stats and health flushes).
import { loadScenarioFile } from '../../scenarios/loader.ts';
import { MODES } from '../cluster/modes.ts';
import type { ModeName } from '../../scenarios/schema.ts';
import { planCluster } from '../cluster/plan.ts';
import type { BinaryCluster } from '../targets/binary/binaryCluster.ts';
import { binaryPreflight } from '../targets/binary/binaryTarget.ts';

export interface BinaryModeFigures {
  mode: ModeName;
  startupMs: number;
  idleWindowMs: number;
  /** CPU cores the cluster's processes used while idle, by program (kube-apiserver, etcd, envoy, …), summed. */
  idleCoresByProgram: Record<string, number>;
  idleCores: number;
  /** The machine's CPUs over the window: busy, this run's part, other programs'. */
  machine?: { busyShare: number; processShare: number; othersShare: number };
}

export interface BinaryStartupResult {
  scenario: string;
  processes: number;
  modes: BinaryModeFigures[];
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

export async function runBinaryStartupBench(
  options: { idleMs?: number; log?: (line: string) => void } = {},
): Promise<BinaryStartupResult | { skipped: string }> {
  const problems = binaryPreflight();
  if (problems.length > 0) return { skipped: problems[0]! };
  const { BinaryCluster } = await import('../targets/binary/binaryCluster.ts');
  const { scenario } = loadScenarioFile('hot-client');
  const idleMs = options.idleMs ?? 10_000;
  const result: BinaryStartupResult = { scenario: scenario.name, processes: 0, modes: [] };
  for (const mode of scenario.modes) {
    let cluster: BinaryCluster | undefined;
    try {
      cluster = await BinaryCluster.start(planCluster(scenario.topology, MODES[mode], 1, { clientGroups: scenario.clients }));
      await cluster.componentHealth(true);
      await cluster.machineCpu(true);
      await new Promise((resolve) => setTimeout(resolve, idleMs));
      const [rows, machine] = [await cluster.componentHealth(), await cluster.machineCpu()];
      const window = rows[0]?.windowMs ?? idleMs;
      const byProgram: Record<string, number> = {};
      for (const row of rows) byProgram[row.kind] = round((byProgram[row.kind] ?? 0) + row.cpuMs / window);
      result.processes = Math.max(result.processes, rows.length);
      result.modes.push({
        mode,
        startupMs: Math.round(cluster.startupMs),
        idleWindowMs: Math.round(window),
        idleCoresByProgram: byProgram,
        idleCores: round(Object.values(byProgram).reduce((a, b) => a + b, 0)),
        ...(machine
          ? { machine: { busyShare: round(machine.busyShare), processShare: round(machine.processShare), othersShare: round(machine.othersShare) } }
          : {}),
      });
      options.log?.(`binary ${mode}: up in ${Math.round(cluster.startupMs)} ms, idle ${result.modes.at(-1)!.idleCores} cores`);
    } finally {
      await cluster?.close();
    }
  }
  return result;
}

export function binaryStartupTable(r: BinaryStartupResult): string {
  const programs = [...new Set(r.modes.flatMap((m) => Object.keys(m.idleCoresByProgram)))].sort();
  const head = ['mode', 'start-up', 'idle cores', ...programs, 'machine busy', 'other programs'];
  const rows = r.modes.map((m) => [
    m.mode,
    `${(m.startupMs / 1000).toFixed(1)} s`,
    m.idleCores.toFixed(2),
    ...programs.map((p) => (m.idleCoresByProgram[p] ?? 0).toFixed(3)),
    m.machine ? `${Math.round(m.machine.busyShare * 100)} %` : '-',
    m.machine ? `${Math.round(m.machine.othersShare * 100)} %` : '-',
  ]);
  return [head, ...rows].map((row) => row.join('\t')).join('\n');
}
