// A command plan as data (docs/kind.md#plans-and-the-executor): pure functions build a list of steps (each one CLI
// call, with the rendered files it reads), and a separate executor (executor.ts) runs them, or, in a dry run, prints
// them and writes the files. Nothing here runs anything.
import { stringify } from 'yaml';
import { commandLine, type KindToolName } from './tools.ts';

/** An argument: literal text, a rendered file of the plan, or a value only the executor knows (a local port). */
export type Arg = string | { file: string } | { runtime: RuntimeValue };
export type RuntimeValue = 'shoot-kubeconfig';

export interface Step {
  /** What it does, for the printed plan. */
  title: string;
  tool: KindToolName;
  args: Arg[];
  timeoutMs: number;
  /** Skip the step when this probe succeeds (idempotent creation), e.g. the kind cluster already exists. */
  skipIf?: { tool: KindToolName; args: Arg[]; stdoutLine: string };
  /** Treat a failure whose stderr matches as success (e.g. "not found" on a delete). */
  okIfStderr?: RegExp;
  /** A step whose failure does not stop the plan: what happens without it (printed with the step and on failure). */
  optional?: string;
}

export interface RenderedFile {
  /** Relative to the plan's folder, e.g. `shoot--local--hot/l7/30-kube-apiserver.yaml`. */
  path: string;
  content: string;
  /** 0o600 for files that hold keys or tokens. */
  mode?: number;
  /** The objects in the file (for the offline validation); undefined for non-manifest files. */
  objects?: KubeManifest[];
}

export interface KubeManifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface CommandPlan {
  steps: Step[];
  files: RenderedFile[];
}

export function emptyPlan(): CommandPlan {
  return { steps: [], files: [] };
}

/** Appends `other` to `plan` (in place) and returns it. */
export function appendPlan(plan: CommandPlan, other: CommandPlan): CommandPlan {
  plan.steps.push(...other.steps);
  for (const file of other.files) {
    const existing = plan.files.findIndex((f) => f.path === file.path);
    if (existing >= 0) plan.files[existing] = file;
    else plan.files.push(file);
  }
  return plan;
}

export function manifestFile(filePath: string, objects: KubeManifest[], mode?: number): RenderedFile {
  return { path: filePath, content: manifestsYaml(objects), objects, ...(mode !== undefined ? { mode } : {}) };
}

export function manifestsYaml(objects: readonly KubeManifest[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

/** How the seed cluster (kind, or any cluster) is addressed: the kubectl global flags every seed call carries. */
export interface SeedAccess {
  kubeconfig?: string;
  context?: string;
}

export function seedFlags(access: SeedAccess): string[] {
  return [...(access.kubeconfig ? ['--kubeconfig', access.kubeconfig] : []), ...(access.context ? ['--context', access.context] : [])];
}

export function kubectl(access: SeedAccess, title: string, args: Arg[], timeoutMs = 60_000, extra: Partial<Step> = {}): Step {
  return { title, tool: 'kubectl', args: [...seedFlags(access), ...args], timeoutMs, ...extra };
}

/** `kubectl apply` of a rendered file (server-side apply: idempotent, and fields owned by one manager). */
export function applyFile(access: SeedAccess, title: string, file: RenderedFile, timeoutMs = 120_000): Step {
  return kubectl(access, title, ['apply', '--server-side', '--force-conflicts', '--field-manager=apiserver-l7-testbed', '-f', { file: file.path }], timeoutMs);
}

/** A kubectl call against the shoot kube-apiservers (through a port-forward the executor opens). */
export function shootKubectl(title: string, args: Arg[], timeoutMs = 60_000): Step {
  return { title, tool: 'kubectl', args: ['--kubeconfig', { runtime: 'shoot-kubeconfig' }, ...args], timeoutMs };
}

export function rolloutStatus(access: SeedAccess, namespace: string, workload: string, timeoutMs = 300_000): Step {
  return kubectl(
    access,
    `wait for ${namespace}/${workload} to be rolled out`,
    ['rollout', 'status', workload, '-n', namespace, `--timeout=${Math.round(timeoutMs / 1000)}s`],
    timeoutMs + 10_000,
  );
}

/** How a step's arguments print: files under `fileRoot`, runtime values as <placeholders>. */
export function renderArgs(args: readonly Arg[], fileRoot: string, runtime: Partial<Record<RuntimeValue, string>> = {}): string[] {
  return args.map((a) => (typeof a === 'string' ? a : 'file' in a ? `${fileRoot}/${a.file}` : (runtime[a.runtime] ?? `<${a.runtime}>`)));
}

export function formatStep(step: Step, fileRoot: string, index?: number, runtime: Partial<Record<RuntimeValue, string>> = {}): string {
  const prefix = index !== undefined ? `${String(index + 1).padStart(3)}. ` : '';
  const skip = step.skipIf
    ? `\n       (skipped when \`${commandLine(step.skipIf.tool, renderArgs(step.skipIf.args, fileRoot))}\` prints "${step.skipIf.stdoutLine}")`
    : '';
  const optional = step.optional ? `\n       (optional: when it fails, ${step.optional})` : '';
  return `${prefix}# ${step.title}\n       ${commandLine(step.tool, renderArgs(step.args, fileRoot, runtime))}${skip}${optional}`;
}

export function formatPlan(plan: CommandPlan, fileRoot: string, runtime: Partial<Record<RuntimeValue, string>> = {}): string {
  return plan.steps.map((s, i) => formatStep(s, fileRoot, i, runtime)).join('\n');
}
