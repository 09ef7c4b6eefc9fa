// The names of what one run of the binary target creates (docs/binary-target-network.md#cleanup): every network
// namespace, /etc/netns directory and temp directory carries the run id, and the run id carries the owner's pid and
// the owner's start time (field 22 of /proc/<pid>/stat, in clock ticks since boot), so a later run can tell whether
// the owner is still alive, even after its pid was reused by another process.
import crypto from 'node:crypto';
import fs from 'node:fs';

/** Every name the network creates starts with this. */
export const NAME_PREFIX = 'lbbin';

/** `<pid>-<start time, base 36>-<4 random base-36 characters>`. */
export type RunId = string;

const RUN_ID = /^(\d+)-([0-9a-z]+)-([0-9a-z]{4})$/;
/** `lbbin-<runId>-node`, `lbbin-<runId>-pod-<n>` and the temp directory `lbbin-<runId>`. */
const OWNED_NAME = /^lbbin-(\d+-[0-9a-z]+-[0-9a-z]{4})(?:-(node|pod-\d+))?$/;

/** A fresh run id for this process. */
export function newRunId(pid = process.pid): RunId {
  const start = processStartTime(pid);
  if (start === undefined) throw new Error(`cannot read the start time of process ${pid} from /proc/${pid}/stat`);
  return `${pid}-${start.toString(36)}-${crypto
    .randomInt(36 ** 4)
    .toString(36)
    .padStart(4, '0')}`;
}

export function nodeNamespaceName(runId: RunId): string {
  return `${NAME_PREFIX}-${runId}-node`;
}

export function podNamespaceName(runId: RunId, index: number): string {
  return `${NAME_PREFIX}-${runId}-pod-${index}`;
}

/** The run's temp directory name (under os.tmpdir()). */
export function runDirectoryName(runId: RunId): string {
  return `${NAME_PREFIX}-${runId}`;
}

/** The run id a name of ours carries, or undefined for any other name. */
export function runIdOf(name: string): RunId | undefined {
  return OWNED_NAME.exec(name)?.[1];
}

/** Whether the process that made `runId` still runs: its pid exists, is not a zombie, and has the same start time. */
export function ownerAlive(runId: RunId): boolean {
  const match = RUN_ID.exec(runId);
  if (!match) return false;
  const stat = processStat(Number(match[1]));
  return stat !== undefined && stat.state !== 'Z' && stat.startTime.toString(36) === match[2];
}

/** Field 22 (starttime) of /proc/<pid>/stat, or undefined when there is no such process. */
export function processStartTime(pid: number): number | undefined {
  return processStat(pid)?.startTime;
}

/** Whether a process runs (exists and is not a zombie waiting for its parent to reap it). */
export function processRunning(pid: number): boolean {
  const state = processStat(pid)?.state;
  return state !== undefined && state !== 'Z' && state !== 'X';
}

/** State (field 3) and start time (field 22) from /proc/<pid>/stat, or undefined when there is no such process. */
function processStat(pid: number): { state: string; startTime: number } | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTime = Number(fields[22 - 3]);
  return Number.isFinite(startTime) ? { state: fields[0]!, startTime } : undefined;
}

/** Whether a run other than `own` is alive: a namespace of ours in /run/netns whose owner still runs. */
export function otherRunsAlive(own: RunId, netnsDir = '/run/netns'): boolean {
  let names: string[];
  try {
    names = fs.readdirSync(netnsDir);
  } catch {
    return false;
  }
  return names.some((name) => {
    const runId = runIdOf(name);
    return runId !== undefined && runId !== own && ownerAlive(runId);
  });
}
