// What the kind target needs on the machine, checked before anything is changed (docs/kind.md#what-you-need): a
// reachable Docker daemon, kind, kubectl, and helm or istioctl, each at least the version the scripts were written
// against. The parsing of each tool's version output is pure (tested with real outputs); the probes go through the
// tool runner.
import { TOOL_INSTALL_HINTS, ToolFailedError, ToolNotFoundError, type KindToolName, type ToolRunner } from './tools.ts';

import { MINIMUM_TOOL_VERSIONS } from './versions.ts';

/** The probe per tool: the command that prints its version without needing a cluster, and how to read it. */
export const VERSION_PROBES: Record<KindToolName, { args: string[]; parse: (stdout: string) => string | undefined }> = {
  // The server part needs the daemon: this is what proves it is reachable.
  docker: { args: ['version', '--format', '{{.Server.Version}}'], parse: (out) => /^(\d+\.\d+\.\d+)/m.exec(out.trim())?.[1] },
  // "kind v0.30.0 go1.24.6 linux/amd64"
  kind: { args: ['version'], parse: (out) => /\bv(\d+\.\d+\.\d+)/.exec(out)?.[1] },
  // {"clientVersion": {"gitVersion": "v1.32.4-dispatcher", ...}, "kustomizeVersion": "v5.5.0"}
  kubectl: { args: ['version', '--client', '-o', 'json'], parse: parseKubectlClientVersion },
  // "v3.16.2+g13654a5"
  helm: { args: ['version', '--short'], parse: (out) => /v(\d+\.\d+\.\d+)/.exec(out)?.[1] },
  // "client version: 1.29.6" (or a bare "1.29.6")
  istioctl: { args: ['version', '--remote=false'], parse: (out) => /(\d+\.\d+\.\d+)/.exec(out)?.[1] },
};

export function parseKubectlClientVersion(stdout: string): string | undefined {
  try {
    const doc = JSON.parse(stdout) as { clientVersion?: { gitVersion?: string; major?: string; minor?: string } };
    const git = doc.clientVersion?.gitVersion;
    const fromGit = git ? /^v?(\d+\.\d+\.\d+)/.exec(git)?.[1] : undefined;
    if (fromGit) return fromGit;
    const { major, minor } = doc.clientVersion ?? {};
    return major && minor ? `${major}.${minor.replace(/\D+$/, '')}.0` : undefined;
  } catch {
    return undefined;
  }
}

/** -1, 0, 1 for dotted numeric versions. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export interface ToolStatus {
  tool: KindToolName;
  ok: boolean;
  version?: string;
  /** Why it is not usable, with what to do. */
  problem?: string;
}

export interface PrerequisiteReport {
  tools: ToolStatus[];
  /** Which of helm / istioctl installs Istio (helm preferred). */
  istioInstaller?: 'helm' | 'istioctl';
  ok: boolean;
  /** One line per problem, each saying what is missing and how to get it. */
  problems: string[];
}

export async function probeTool(runner: ToolRunner, tool: KindToolName): Promise<ToolStatus> {
  const probe = VERSION_PROBES[tool];
  try {
    const result = await runner.run(tool, probe.args, { timeoutMs: 20_000 });
    const version = probe.parse(result.stdout);
    if (!version)
      return { tool, ok: false, problem: `${tool}: could not read a version from \`${result.command}\` (got "${result.stdout.trim().slice(0, 80)}")` };
    const minimum = MINIMUM_TOOL_VERSIONS[tool];
    if (compareVersions(version, minimum) < 0)
      return { tool, ok: false, version, problem: `${tool} ${version} is older than ${minimum}; upgrade: ${TOOL_INSTALL_HINTS[tool]}` };
    return { tool, ok: true, version };
  } catch (error) {
    if (error instanceof ToolNotFoundError) return { tool, ok: false, problem: error.message };
    if (error instanceof ToolFailedError && tool === 'docker')
      return {
        tool,
        ok: false,
        problem: `the Docker daemon is not reachable (${firstLine(error.result.stderr) || error.message}); start it or fix DOCKER_HOST: ${TOOL_INSTALL_HINTS.docker}`,
      };
    return { tool, ok: false, problem: `${tool}: ${(error as Error).message}` };
  }
}

/**
 * Checks what a command needs: `cluster:up` needs docker, kind, kubectl and helm or istioctl; a run on an existing
 * cluster (`--target cluster`) needs only kubectl; a run on kind needs docker (kind's nodes are Docker containers:
 * `kind get clusters` lists them through `docker ps`), kind and kubectl; `cluster:down` docker and kind.
 */
export async function checkPrerequisites(runner: ToolRunner, needs: 'cluster-up' | 'kind-run' | 'cluster-run' | 'cluster-down'): Promise<PrerequisiteReport> {
  const required: KindToolName[] =
    needs === 'cluster-up' || needs === 'kind-run' ? ['docker', 'kind', 'kubectl'] : needs === 'cluster-down' ? ['docker', 'kind'] : ['kubectl'];
  const tools = await Promise.all(required.map((t) => probeTool(runner, t)));
  const problems = tools.filter((t) => !t.ok).map((t) => t.problem!);
  let istioInstaller: PrerequisiteReport['istioInstaller'];
  if (needs === 'cluster-up') {
    const [helm, istioctl] = await Promise.all([probeTool(runner, 'helm'), probeTool(runner, 'istioctl')]);
    tools.push(helm, istioctl);
    istioInstaller = helm.ok ? 'helm' : istioctl.ok ? 'istioctl' : undefined;
    if (!istioInstaller) problems.push(`neither helm nor istioctl is usable to install Istio: ${helm.problem}; ${istioctl.problem}`);
  }
  return { tools, istioInstaller, ok: problems.length === 0, problems };
}

/** How long the reachability probe may take (kubectl's own --request-timeout, plus a margin for the process). */
const REACHABILITY_TIMEOUT_S = 10;

/**
 * Whether kubectl reaches the cluster's API server with the given flags (`--kubeconfig`, `--context`): `kubectl get
 * --raw /readyz`, the endpoint kube-apiserver answers when it serves. Returns the problem, or undefined when it is
 * ready. Run before anything is created, so an unreachable cluster is bad input (exit 2), not a failed run.
 */
export async function checkClusterReachable(runner: ToolRunner, flags: readonly string[], advice: string): Promise<string | undefined> {
  const args = [...flags, 'get', '--raw', '/readyz', `--request-timeout=${REACHABILITY_TIMEOUT_S}s`];
  try {
    await runner.run('kubectl', args, { timeoutMs: (REACHABILITY_TIMEOUT_S + 10) * 1000 });
    return undefined;
  } catch (error) {
    const detail = error instanceof ToolFailedError ? lastLine(error.result.stderr) || error.message : (error as Error).message;
    return `kubectl cannot reach the cluster (${flags.length > 0 ? flags.join(' ') : "kubectl's default kubeconfig"}): ${detail}; ${advice}`;
  }
}

export function formatPrerequisites(report: PrerequisiteReport): string {
  const lines = report.tools.map((t) => `  ${t.ok ? 'ok  ' : 'MISS'} ${t.tool.padEnd(9)} ${t.version ?? ''}${t.ok ? '' : `  ${t.problem}`}`);
  if (report.istioInstaller) lines.push(`  Istio is installed with ${report.istioInstaller}`);
  return lines.join('\n');
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}
