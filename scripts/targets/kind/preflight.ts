// What keeps a kind or cluster run from starting, found before anything is created (Target.preflight,
// docs/kind.md#what-the-kind-target-refuses): the tools and their versions, for --target kind that the kind cluster
// exists, and that kubectl reaches the cluster's API server. One line per problem, each saying what to do.
import type { ResolvedKindOptions } from './options.ts';
import { checkClusterReachable, checkPrerequisites } from './prerequisites.ts';
import { seedFlags } from './steps.ts';
import type { ToolRunner } from './tools.ts';

/**
 * What keeps a run from starting on this machine, one line each (none: it can run): the tools and their versions,
 * for --target kind that the kind cluster exists, and that kubectl reaches the cluster's API server.
 */
export async function preflightProblems(runner: ToolRunner, o: ResolvedKindOptions): Promise<string[]> {
  const prerequisites = await checkPrerequisites(runner, o.target === 'kind' ? 'kind-run' : 'cluster-run');
  if (!prerequisites.ok) return prerequisites.problems;
  if (o.target === 'kind') {
    const clusters = await runner.run('kind', ['get', 'clusters'], { timeoutMs: 30_000 });
    if (!clusters.stdout.split('\n').some((l) => l.trim() === o.clusterName))
      return [`there is no kind cluster "${o.clusterName}": create it with \`npm run cluster:up\` (or pass --target cluster --kubeconfig <file>)`];
  }
  const advice =
    o.target === 'kind'
      ? `is the kind cluster "${o.clusterName}" running? \`npm run cluster:up\` (re)creates it`
      : 'pass --kubeconfig <file> (and --context <name>) of a running cluster, or use --target kind after `npm run cluster:up`';
  const unreachable = await checkClusterReachable(runner, seedFlags(o), advice);
  return unreachable ? [unreachable] : [];
}
