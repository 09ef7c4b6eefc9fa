// Runs a command plan (steps.ts): writes its rendered files into a folder, then runs the steps in order through the
// tool runner, stopping at the first failure with the step that failed. The dry run writes the same files and prints
// the same commands without running any (docs/kind.md#dry-run).
import fs from 'node:fs';
import path from 'node:path';
import { formatPlan, renderArgs, type CommandPlan, type RuntimeValue, type Step } from './steps.ts';
import { ToolFailedError, type ToolResult, type ToolRunner } from './tools.ts';

export interface ExecuteOptions {
  runner: ToolRunner;
  /** Where the plan's files are written (and read from by the steps). */
  workDir: string;
  /** Values only known while running (the shoot kubeconfig's path, once a port-forward is open). */
  runtime?: () => Promise<Partial<Record<RuntimeValue, string>>>;
  /** One line per step as it starts and ends. */
  log?: (line: string) => void;
  /** Aborts between steps (Ctrl-C). */
  signal?: AbortSignal;
}

export class StepFailedError extends Error {
  constructor(
    readonly step: Step,
    readonly index: number,
    readonly failure: Error,
  ) {
    super(`step ${index + 1} (${step.title}) failed: ${failure.message}`);
    this.name = 'StepFailedError';
  }
}

/** Writes every rendered file of the plan under `dir` (keys and tokens with mode 0600). */
export function writePlanFiles(plan: CommandPlan, dir: string): string[] {
  const written: string[] = [];
  for (const file of plan.files) {
    const target = path.join(dir, file.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, file.content, { mode: file.mode ?? 0o644 });
    if (file.mode !== undefined) fs.chmodSync(target, file.mode);
    written.push(target);
  }
  return written;
}

export async function executePlan(plan: CommandPlan, options: ExecuteOptions): Promise<ToolResult[]> {
  writePlanFiles(plan, options.workDir);
  const results: ToolResult[] = [];
  const needsRuntime = plan.steps.some((s) => s.args.some((a) => typeof a !== 'string' && 'runtime' in a));
  const runtime = needsRuntime && options.runtime ? await options.runtime() : {};
  for (const [index, step] of plan.steps.entries()) {
    if (options.signal?.aborted) throw new Error(`interrupted before step ${index + 1} (${step.title})`);
    if (step.skipIf) {
      const probe = await options.runner
        .run(step.skipIf.tool, renderArgs(step.skipIf.args, options.workDir, runtime), { timeoutMs: 30_000 })
        .catch(() => undefined);
      if (probe?.stdout.split('\n').some((line) => line.trim() === step.skipIf!.stdoutLine)) {
        options.log?.(`${String(index + 1).padStart(3)}. skipped (already done): ${step.title}`);
        continue;
      }
    }
    options.log?.(`${String(index + 1).padStart(3)}. ${step.title}`);
    try {
      results.push(await options.runner.run(step.tool, renderArgs(step.args, options.workDir, runtime), { timeoutMs: step.timeoutMs }));
    } catch (error) {
      if (error instanceof ToolFailedError && step.okIfStderr?.test(error.result.stderr)) {
        results.push(error.result);
        continue;
      }
      if (step.optional && error instanceof ToolFailedError) {
        options.log?.(`     optional step failed, going on (${step.optional}): ${firstLine(error.message)}`);
        results.push(error.result);
        continue;
      }
      throw new StepFailedError(step, index, error as Error);
    }
  }
  return results;
}

export interface DryRunOutput {
  /** The printed plan: every CLI call in order. */
  text: string;
  /** Absolute paths of the files written. */
  files: string[];
}

/**
 * Creates a dry run's folder (and its parents) and keeps git out of it: a `.gitignore` of `*`, because the rendered
 * files hold private keys and tokens and the folder may be anywhere, in this repository too (`--dry-run out/`).
 */
export function prepareDryRunDir(dir: string): string {
  const root = path.resolve(dir);
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, '.gitignore'), '# A dry run of the kind target wrote this folder: its files hold private keys and tokens.\n*\n');
  return root;
}

/** The dry run: files under `dir`, the plan printed with paths into `dir`, and the same text saved as `plan.txt`. */
export function dryRunPlan(plan: CommandPlan, dir: string, heading: string): DryRunOutput {
  const root = prepareDryRunDir(dir);
  const files = writePlanFiles(plan, root);
  const text = `${heading}\n${formatPlan(plan, root)}\n`;
  fs.writeFileSync(path.join(root, 'plan.txt'), text);
  return { text, files: [...files, path.join(root, 'plan.txt')] };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
