// Removing what a run created (docs/binary-target-network.md#cleanup), for a run's own close() and for the leftovers
// of a run that was killed (SIGKILL, a crash, a power cut) before it could close. A namespace is removed by first
// killing every process still inside it (`ip netns pids`: only processes the run started can be there), then
// deleting it: a namespace lives on while a process holds it, and with it its veths, addresses and iptables rules.
// Nothing the network creates lives outside its namespaces except /etc/netns/<name> and the run's temp directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pollUntil } from '../../../core/poll.ts';
import { run } from './hostTools.ts';
import { NETNS_ETC_DIR } from './podNamespace.ts';
import { NAME_PREFIX, ownerAlive, runIdOf, type RunId } from './runNames.ts';

/** Where `ip netns add` keeps its namespaces (iproute2 NETNS_RUN_DIR). */
export const NETNS_RUN_DIR = '/run/netns';

/** Kills every process in the namespace (SIGKILL), deletes it and its /etc/netns directory. Missing parts are fine. */
export async function removeNamespace(name: string): Promise<void> {
  if (fs.existsSync(path.join(NETNS_RUN_DIR, name))) {
    await killProcessesIn(name);
    await run('ip', ['netns', 'delete', name]).catch((error: Error) => {
      if (fs.existsSync(path.join(NETNS_RUN_DIR, name))) throw error;
    });
  }
  fs.rmSync(path.join(NETNS_ETC_DIR, name), { recursive: true, force: true });
}

/** The pids inside a namespace. */
export async function processesIn(name: string): Promise<number[]> {
  const out = await run('ip', ['netns', 'pids', name]);
  return out
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
}

async function killProcessesIn(name: string): Promise<void> {
  const pids = await processesIn(name);
  if (pids.length === 0) return;
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await pollUntil(
    () => processesIn(name),
    (left) => left.length === 0,
    { timeoutMs: 10_000, intervalMs: 50, what: `the processes in network namespace ${name} to exit` },
  );
}

/** Our namespaces, /etc/netns directories and temp directories, by run id. */
export function ownedNames(tmpDir = os.tmpdir()): { namespaces: string[]; etcDirs: string[]; tempDirs: string[] } {
  const list = (dir: string) => {
    try {
      return fs.readdirSync(dir).filter((n) => n.startsWith(`${NAME_PREFIX}-`) && runIdOf(n) !== undefined);
    } catch {
      return [];
    }
  };
  return { namespaces: list(NETNS_RUN_DIR), etcDirs: list(NETNS_ETC_DIR), tempDirs: list(tmpDir).map((n) => path.join(tmpDir, n)) };
}

/**
 * Removes everything a run whose owner is dead left behind: its namespaces (with the processes in them), their
 * /etc/netns directories and its temp directory. Runs whose owner still runs (another test file, a parallel run) are
 * left alone. Returns the names removed.
 */
export async function removeLeftovers(options: { tmpDir?: string; keep?: RunId } = {}): Promise<string[]> {
  const owned = ownedNames(options.tmpDir);
  const dead = (name: string) => {
    const runId = runIdOf(path.basename(name))!;
    return runId !== options.keep && !ownerAlive(runId);
  };
  const removed: string[] = [];
  // Pods first, then the node: a pod's veth peer goes with either, but the node holds the processes.
  const namespaces = owned.namespaces.filter(dead).sort((a, b) => Number(a.endsWith('-node')) - Number(b.endsWith('-node')));
  for (const name of namespaces) {
    await removeNamespace(name);
    removed.push(name);
  }
  for (const name of owned.etcDirs.filter(dead)) {
    fs.rmSync(path.join(NETNS_ETC_DIR, name), { recursive: true, force: true });
    if (!removed.includes(name)) removed.push(name);
  }
  for (const dir of owned.tempDirs.filter(dead)) {
    fs.rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
