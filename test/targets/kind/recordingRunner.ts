// A ToolRunner that runs nothing: it records every call as one command line and answers with what `answer` returns
// (an Error fails the call as the CLI would, with that stderr). For the plans, the executor and the commands.
import { ToolFailedError, type KindToolName, type ToolResult, type ToolRunner } from '../../../scripts/targets/kind/tools.ts';

export type RecordingRunner = ToolRunner & { calls: string[] };

export function recordingRunner(answer: (tool: KindToolName, args: readonly string[]) => string | Error = () => ''): RecordingRunner {
  const calls: string[] = [];
  return {
    calls,
    async run(tool, args) {
      const command = [tool, ...args].join(' ');
      calls.push(command);
      const out = answer(tool, args);
      if (out instanceof Error) throw new ToolFailedError({ command, exitCode: 1, stdout: '', stderr: out.message, durationMs: 0 }, 'exit', 1000);
      return { command, exitCode: 0, stdout: out, stderr: '', durationMs: 0 } satisfies ToolResult;
    },
    spawn: () => Promise.reject(new Error('no processes in this test')),
  };
}

/** Version outputs that pass every prerequisite check (docker, kind, kubectl, helm). */
export function versionAnswer(tool: KindToolName, args: readonly string[]): string | undefined {
  if (args[0] !== 'version') return undefined;
  return {
    docker: '28.2.2',
    kind: 'kind v0.30.0 go1.24.6 linux/amd64',
    kubectl: '{"clientVersion":{"gitVersion":"v1.34.1"}}',
    helm: 'v3.16.2',
    istioctl: '1.29.6',
  }[tool];
}
