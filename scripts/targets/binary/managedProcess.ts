// One real component as a child process of the binary target (docs/binary-target.md#processes): its output kept in a
// log file and the last lines in memory (for the error a failed start reports), its exit observed, and a stop that is
// SIGTERM first (kube-apiserver's graceful shutdown, Envoy's drain) and SIGKILL after a grace period. Every process a
// run starts is registered, so cleanup on failure or Ctrl-C can stop all of them.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

const TAIL_LINES = 40;

/** Every process this Node process started and that has not ended yet (the self-check reads their CPU, processCpu.ts). */
const RUNNING = new Set<ManagedProcess>();

export function runningProcesses(): ManagedProcess[] {
  return [...RUNNING];
}

export interface ProcessSpec {
  /** A short name for messages: `etcd`, `kube-apiserver-1`, `envoy-0`. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where stdout and stderr go (appended). */
  logFile?: string;
  /** A wrapper the command runs under (e.g. `ip netns exec <ns>`, `unshare --uts`): prepended as is. */
  prefix?: string[];
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  readonly exited: Promise<ProcessExit>;
  private readonly child: ChildProcess;
  private readonly tail: string[] = [];
  private exit: ProcessExit | undefined;
  private log: fs.WriteStream | undefined;

  constructor(readonly spec: ProcessSpec) {
    const [command, ...args] = [...(spec.prefix ?? []), spec.command, ...spec.args];
    this.log = spec.logFile ? fs.createWriteStream(spec.logFile, { flags: 'a' }) : undefined;
    this.child = spawn(command!, args, { env: spec.env ?? process.env, cwd: spec.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    RUNNING.add(this);
    const onData = (chunk: Buffer) => {
      this.log?.write(chunk);
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
      }
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.tail.push(`${command}: ${error.message}`);
        RUNNING.delete(this);
        this.exit ??= { code: 127, signal: null };
        resolve(this.exit);
      });
      this.child.once('close', (code, signal) => {
        RUNNING.delete(this);
        this.exit ??= { code, signal };
        this.log?.end();
        this.log = undefined;
        resolve(this.exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** How it ended, or undefined while it runs. */
  get exitStatus(): ProcessExit | undefined {
    return this.exit;
  }

  /** The last lines it printed (for error messages). */
  lastLines(count = 10): string {
    return this.tail.slice(-count).join('\n');
  }

  /** Sends a signal (a `kill` event: SIGKILL; a graceful stop: SIGTERM). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5_000): Promise<ProcessExit> {
    if (!this.running) return this.exit!;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** A one-line description of why it is not running, with its last output. */
  describeExit(): string {
    const e = this.exit;
    const how = !e ? 'is running' : e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
    return `${this.spec.name} ${how}; its last output:\n${this.lastLines()}`;
  }
}
