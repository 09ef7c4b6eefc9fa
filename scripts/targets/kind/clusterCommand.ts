// `npm run cluster:up` / `npm run cluster:down` (scripts/kindCluster.ts): create the kind cluster with Istio and the
// project's images, or delete it (docs/kind.md#step-by-step). `--dry-run <dir>` prints every CLI call and writes the
// rendered files to <dir> without running anything.
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { dryRunPlan, executePlan, StepFailedError } from './executor.ts';
import { DEFAULT_CLUSTER_NAME, resolveClusterUpOptions } from './options.ts';
import { planClusterDown, planClusterUp } from './plans.ts';
import { checkPrerequisites, formatPrerequisites } from './prerequisites.ts';
import { execaRunner, type ToolRunner } from './tools.ts';
import { ISTIO_VERSION, KIND_NODE_IMAGE, DEFAULT_KUBE_APISERVER_VERSION } from './versions.ts';

const EXIT_FAILED = 3;
const EXIT_PREREQUISITES = 2;

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 10) throw new InvalidArgumentError('must be an integer from 0 to 10');
  return n;
}

export function kindClusterCommand(runner: ToolRunner = execaRunner(), print: (text: string) => void = (t) => process.stdout.write(`${t}\n`)): Command {
  const program = new Command('kind-cluster').description('the kind cluster of the kind target: Istio, the images, the ingress gateway');
  program
    .command('up')
    .description('create (or complete) the kind cluster: node image, Istio (base, istiod, gateway), the webhook and load-client images')
    .option('--name <name>', 'kind cluster name', DEFAULT_CLUSTER_NAME)
    .addOption(new Option('--workers <n>', 'worker nodes').default(2).argParser(parseWorkers))
    .option('--node-image <image>', 'kind node image', KIND_NODE_IMAGE)
    .addOption(new Option('--kube-proxy-mode <mode>', "the seed cluster's kube-proxy mode").choices(['iptables', 'ipvs']).default('iptables'))
    .option('--istio-version <v>', 'Istio version (Helm charts / istioctl)', ISTIO_VERSION)
    .addOption(new Option('--istio-installer <tool>', 'install Istio with helm or istioctl (default: helm when installed)').choices(['helm', 'istioctl']))
    .option('--kube-apiserver-version <v>', 'kube-apiserver image to preload', DEFAULT_KUBE_APISERVER_VERSION)
    .option('--dry-run <dir>', 'print every CLI call and write the rendered files to <dir>; run nothing')
    .action(async (opts) => {
      const o = resolveClusterUpOptions({
        clusterName: opts.name,
        workers: opts.workers,
        nodeImage: opts.nodeImage,
        kubeProxyMode: opts.kubeProxyMode,
        istioVersion: opts.istioVersion,
        istioInstaller: opts.istioInstaller,
        kubeApiserverVersion: opts.kubeApiserverVersion,
        repoRoot: process.cwd(),
      });
      if (opts.dryRun) {
        const out = dryRunPlan(planClusterUp(o, o.istioInstaller ?? 'helm'), opts.dryRun, `dry run of cluster:up (${o.clusterName}); nothing was run`);
        print(out.text);
        print(`wrote ${out.files.length} files to ${path.resolve(opts.dryRun)}`);
        return;
      }
      const report = await checkPrerequisites(runner, 'cluster-up');
      print(formatPrerequisites(report));
      if (!report.ok) {
        print(`cannot create the cluster:\n  ${report.problems.join('\n  ')}`);
        process.exitCode = EXIT_PREREQUISITES;
        return;
      }
      await run(planClusterUp(o, o.istioInstaller ?? report.istioInstaller!), `.kind/${o.clusterName}/up`, runner, print);
      if (!process.exitCode) print(`cluster ${o.clusterName} is ready: npm run scenario hot-client -- --target kind`);
    });
  program
    .command('down')
    .description('delete the kind cluster and everything in it')
    .option('--name <name>', 'kind cluster name', DEFAULT_CLUSTER_NAME)
    .option('--dry-run <dir>', 'print the CLI calls; run nothing')
    .action(async (opts) => {
      const plan = planClusterDown(opts.name);
      if (opts.dryRun) {
        print(dryRunPlan(plan, opts.dryRun, `dry run of cluster:down (${opts.name}); nothing was run`).text);
        return;
      }
      const report = await checkPrerequisites(runner, 'cluster-down');
      if (!report.ok) {
        print(`cannot delete the cluster:\n  ${report.problems.join('\n  ')}`);
        process.exitCode = EXIT_PREREQUISITES;
        return;
      }
      await run(plan, `.kind/${opts.name}/down`, runner, print);
    });
  return program;
}

async function run(plan: Parameters<typeof executePlan>[0], workDir: string, runner: ToolRunner, print: (text: string) => void): Promise<void> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    await executePlan(plan, { runner, workDir: path.resolve(workDir), log: print, signal: abort.signal });
  } catch (error) {
    print(error instanceof StepFailedError ? error.message : `failed: ${(error as Error).message}`);
    process.exitCode = EXIT_FAILED;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
