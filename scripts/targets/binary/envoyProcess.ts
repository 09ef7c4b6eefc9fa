// One Envoy as a process (docs/binary-target.md#envoy): the official upstream binary, a bootstrap file it reads at
// start, its admin interface on loopback (readiness: GET /ready answers LIVE; stats: /stats), and a base id of its own
// so several Envoys on one host do not share a shared-memory region (--base-id; hot restart is off anyway).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { pollUntil } from '../../core/poll.ts';
import { getText } from './httpGet.ts';
import { ManagedProcess } from './managedProcess.ts';

export interface EnvoyOptions {
  name: string;
  binary: string;
  /** The bootstrap, as a JSON-serialisable object (Envoy reads JSON as YAML). */
  bootstrap: object;
  /** Where the bootstrap is written and Envoy's log goes. */
  workDir: string;
  /** The admin address the bootstrap configures (host:port), for readiness and stats. */
  adminAddress: string;
  /** Worker threads (--concurrency); Istio's gateway runs 2 on a 2-CPU pod. */
  concurrency: number;
  baseId: number;
  prefix?: string[];
  /** Further command-line flags (the gateway passes Istio's pilot-agent flags: drain time and strategy). */
  extraArgs?: string[];
  startTimeoutMs?: number;
  /** How the admin interface is reached when Envoy runs in another network namespace (default: directly). */
  adminAgent?: http.Agent;
}

export interface EnvoyProcess {
  process: ManagedProcess;
  /** GET on the admin interface. */
  admin(pathAndQuery: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

export async function startEnvoy(o: EnvoyOptions): Promise<EnvoyProcess> {
  fs.mkdirSync(o.workDir, { recursive: true });
  const configPath = path.join(o.workDir, `${o.name}.json`);
  fs.writeFileSync(configPath, JSON.stringify(o.bootstrap, null, 2));
  const args = ['-c', configPath, '--concurrency', String(o.concurrency), '--base-id', String(o.baseId), '--disable-hot-restart', '--log-level', 'warn'];
  args.push(...(o.extraArgs ?? []));
  const process = new ManagedProcess({ name: o.name, command: o.binary, args, logFile: path.join(o.workDir, `${o.name}.log`), prefix: o.prefix });
  const admin = (pathAndQuery: string) => getText(`http://${o.adminAddress}${pathAndQuery}`, { agent: o.adminAgent }, 2_000);
  try {
    await pollUntil(
      async () => {
        if (!process.running) throw new Error(process.describeExit());
        return admin('/ready').then(
          (r) => r.status === 200 && r.body.trim() === 'LIVE',
          () => false,
        );
      },
      (ok) => ok,
      { timeoutMs: o.startTimeoutMs ?? 30_000, intervalMs: 100, what: `${o.name} admin /ready at ${o.adminAddress}` },
    );
  } catch (error) {
    await process.stop(1_000);
    throw error;
  }
  // Envoy drains listeners on SIGTERM and exits; the grace covers its default drain of a few seconds.
  return { process, admin, close: async () => void (await process.stop(5_000)) };
}
