// One etcd member as a process (docs/binary-target.md#etcd), the way envtest runs it (controller-runtime
// pkg/internal/testing/controlplane/etcd.go): plain HTTP on the given address, its own data directory,
// --unsafe-no-fsync (a test cluster; losing it on a crash loses nothing), ready once /readyz answers ok.
import fs from 'node:fs';
import path from 'node:path';
import { pollUntil } from '../../core/poll.ts';
import { ManagedProcess, type ProcessSpec } from './managedProcess.ts';

export interface EtcdOptions {
  binary: string;
  name: string;
  host: string;
  clientPort: number;
  peerPort: number;
  /** The member's data directory (created; the caller removes its parent). */
  dataDir: string;
  logFile?: string;
  prefix?: string[];
  startTimeoutMs?: number;
  /** Its readiness, when it runs where fetch() cannot reach (another network namespace): true once /readyz is ok. */
  probe?: (clientUrl: string) => Promise<boolean>;
}

export interface EtcdMember {
  process: ManagedProcess;
  /** `http://host:port`, for --etcd-servers. */
  clientUrl: string;
}

export function etcdArgs(o: EtcdOptions): string[] {
  const client = `http://${o.host}:${o.clientPort}`;
  const peer = `http://${o.host}:${o.peerPort}`;
  return [
    `--name=${o.name}`,
    `--data-dir=${o.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${o.name}=${peer}`,
    '--unsafe-no-fsync=true',
    // The default 4 GiB quota is far beyond what a run writes; a small one would end a long run with NOSPACE.
    '--quota-backend-bytes=2147483648',
    '--log-level=warn',
  ];
}

export async function startEtcd(o: EtcdOptions): Promise<EtcdMember> {
  fs.mkdirSync(path.dirname(o.dataDir), { recursive: true });
  const spec: ProcessSpec = { name: o.name, command: o.binary, args: etcdArgs(o), logFile: o.logFile, prefix: o.prefix };
  const process = new ManagedProcess(spec);
  const clientUrl = `http://${o.host}:${o.clientPort}`;
  try {
    await pollUntil(
      async () => {
        if (!process.running) throw new Error(process.describeExit());
        if (o.probe) return o.probe(clientUrl).catch(() => false);
        return fetch(`${clientUrl}/readyz`, { signal: AbortSignal.timeout(1_000) }).then(
          (r) => r.ok,
          () => false,
        );
      },
      (ok) => ok,
      { timeoutMs: o.startTimeoutMs ?? 30_000, intervalMs: 100, what: `${o.name} /readyz at ${clientUrl}` },
    );
  } catch (error) {
    await process.stop(1_000);
    throw error;
  }
  return { process, clientUrl };
}
