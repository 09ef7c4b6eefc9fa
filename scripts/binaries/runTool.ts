// Runs a build tool (go, pip) to completion and keeps what it printed: the binaries command reads its output to tell
// an unreachable registry from a failed build (problems.ts). A command that cannot start exits 127, like a shell.
import { spawn } from 'node:child_process';

export interface ToolRun {
  code: number;
  text: string;
}

export interface ToolRunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Each non-empty line as it is printed. */
  onLine?: (line: string) => void;
}

export function runTool(command: string, args: string[], options: ToolRunOptions = {}): Promise<ToolRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], signal: options.signal });
    let text = '';
    const onData = (chunk: Buffer) => {
      const s = chunk.toString();
      text += s;
      if (options.onLine) for (const line of s.split('\n')) if (line.trim()) options.onLine(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => resolve({ code: 127, text: `${text}${command}: ${error.message}` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), text }));
  });
}
