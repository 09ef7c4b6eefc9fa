// The one typed wrapper around the CLIs the kind target drives (docker, kind, kubectl, helm, istioctl), on execa
// (docs/kind.md#the-cli-wrapper). Every call has a bounded timeout, captures stdout and stderr, and fails with an
// error that names the command, its exit code and the end of its stderr; a binary that is not installed fails with
// the official way to install it. Long-running processes (kubectl port-forward) go through `spawn`, which reads their
// output until a line says they are ready and kills them on `close()`.
import fs from 'node:fs';
import path from 'node:path';
import { execa, ExecaError } from 'execa';

export type KindToolName = 'docker' | 'kind' | 'kubectl' | 'helm' | 'istioctl';

/** How to get each tool: the official install pages (kind, helm and istioctl are not Debian packages). */
export const TOOL_INSTALL_HINTS: Record<KindToolName, string> = {
  docker: 'Docker Engine: https://docs.docker.com/engine/install/ (the daemon must be running and reachable: `docker info`)',
  kind: 'kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation (e.g. `go install sigs.k8s.io/kind@v0.30.0`, or the release binary)',
  kubectl: 'kubectl: https://kubernetes.io/docs/tasks/tools/#kubectl (Debian: apt-get install -y kubernetes-client)',
  helm: 'Helm: https://helm.sh/docs/intro/install/ (the release binary, or the get-helm-3 script)',
  istioctl: 'istioctl: https://istio.io/latest/docs/setup/additional-setup/download-istio-release/ (curl -L https://istio.io/downloadIstio | sh -)',
};

export interface ToolRunOptions {
  /** Bounded: every call has one (ms). */
  timeoutMs: number;
  /** Written to the process's stdin. */
  input?: string;
  cwd?: string;
  env?: Record<string, string>;
}

export interface ToolResult {
  command: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** A tool that is not installed (or not executable). */
export class ToolNotFoundError extends Error {
  constructor(readonly tool: KindToolName) {
    super(`${tool} not found on PATH; install it: ${TOOL_INSTALL_HINTS[tool]}`);
    this.name = 'ToolNotFoundError';
  }
}

/** A tool that ran and failed (non-zero exit, killed by the timeout, or a signal). */
export class ToolFailedError extends Error {
  constructor(
    readonly result: ToolResult,
    readonly reason: 'exit' | 'timeout' | 'signal',
    timeoutMs: number,
  ) {
    const tail = lastLines(result.stderr || result.stdout, 12);
    const why =
      reason === 'timeout'
        ? `timed out after ${Math.round(timeoutMs / 1000)} s`
        : reason === 'signal'
          ? 'was killed by a signal'
          : `exited with code ${result.exitCode}`;
    super(`\`${result.command}\` ${why}${tail ? `:\n${tail}` : ''}`);
    this.name = 'ToolFailedError';
  }
}

export interface SpawnedTool {
  /** The first output line that matched `readyLine`. */
  readyLine: string;
  /** Resolves when the process has ended (for any reason). */
  exited: Promise<void>;
  close(): Promise<void>;
}

export interface ToolRunner {
  run(tool: KindToolName, args: readonly string[], options: ToolRunOptions): Promise<ToolResult>;
  /** A long-running process: resolves once a stdout/stderr line matches `readyLine` (within `timeoutMs`). */
  spawn(tool: KindToolName, args: readonly string[], options: { readyLine: RegExp; timeoutMs: number }): Promise<SpawnedTool>;
}

/** Quotes an argument the way a POSIX shell would need it, for printed command lines. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(tool: string, args: readonly string[]): string {
  return [tool, ...args].map(shellQuote).join(' ');
}

export interface ExecaRunnerOptions {
  /** Where to look for the tools; default $PATH. */
  env?: NodeJS.ProcessEnv;
  /** Absolute paths per tool (overrides the search). */
  paths?: Partial<Record<KindToolName, string>>;
  /** Every call that was made, for logs (command, exit code, duration). */
  onCall?: (result: ToolResult) => void;
}

/** The real runner: execa, no shell, captured output, a timeout per call. */
export function execaRunner(options: ExecaRunnerOptions = {}): ToolRunner {
  const resolve = (tool: KindToolName): string => {
    const found = options.paths?.[tool] ?? findExecutable(tool, options.env);
    if (!found) throw new ToolNotFoundError(tool);
    return found;
  };
  return {
    async run(tool, args, runOptions) {
      const file = resolve(tool);
      const command = commandLine(tool, args);
      const started = performance.now();
      try {
        const result = await execa(file, [...args], {
          timeout: runOptions.timeoutMs,
          input: runOptions.input,
          cwd: runOptions.cwd,
          env: runOptions.env,
          stripFinalNewline: false,
          maxBuffer: 256 * 1024 * 1024,
          // kill the whole thing if it ignores SIGTERM after the timeout
          forceKillAfterDelay: 5_000,
        });
        const out: ToolResult = {
          command,
          exitCode: result.exitCode ?? 0,
          stdout: result.stdout,
          stderr: result.stderr,
          durationMs: performance.now() - started,
        };
        options.onCall?.(out);
        return out;
      } catch (error) {
        if (!(error instanceof ExecaError)) throw error;
        if (error.code === 'ENOENT' || error.code === 'EACCES') throw new ToolNotFoundError(tool);
        const out: ToolResult = {
          command,
          exitCode: error.exitCode ?? -1,
          stdout: typeof error.stdout === 'string' ? error.stdout : '',
          stderr: typeof error.stderr === 'string' ? error.stderr : String(error.shortMessage ?? ''),
          durationMs: performance.now() - started,
        };
        options.onCall?.(out);
        throw new ToolFailedError(out, error.timedOut ? 'timeout' : error.isTerminated ? 'signal' : 'exit', runOptions.timeoutMs);
      }
    },

    async spawn(tool, args, spawnOptions) {
      const file = resolve(tool);
      const command = commandLine(tool, args);
      const child = execa(file, [...args], { buffer: false, reject: false, stdin: 'ignore', all: true, forceKillAfterDelay: 2_000 });
      const exited = child.then(
        () => undefined,
        () => undefined,
      );
      let seen = '';
      const readyLine = await new Promise<string>((resolveReady, rejectReady) => {
        const timer = setTimeout(() => {
          child.kill();
          rejectReady(new Error(`\`${command}\` did not report ready within ${spawnOptions.timeoutMs} ms${seen ? `:\n${lastLines(seen, 8)}` : ''}`));
        }, spawnOptions.timeoutMs);
        let pending = '';
        child.all?.on('data', (chunk: Buffer) => {
          pending += chunk.toString('utf8');
          let newline = pending.indexOf('\n');
          while (newline >= 0) {
            const line = pending.slice(0, newline);
            pending = pending.slice(newline + 1);
            newline = pending.indexOf('\n');
            seen += `${line}\n`;
            if (spawnOptions.readyLine.test(line)) {
              clearTimeout(timer);
              resolveReady(line);
            }
          }
        });
        void exited.then(() => {
          clearTimeout(timer);
          rejectReady(new Error(`\`${command}\` exited before it was ready${seen ? `:\n${lastLines(seen, 8)}` : ''}`));
        });
      });
      return {
        readyLine,
        exited,
        async close() {
          child.kill();
          await exited;
        },
      };
    },
  };
}

const EXTRA_DIRS = ['/usr/local/bin', '/usr/sbin', '/usr/local/sbin', '/sbin'];

/** The absolute path of an executable on $PATH (or a usual sbin directory), or undefined. */
export function findExecutable(command: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}
