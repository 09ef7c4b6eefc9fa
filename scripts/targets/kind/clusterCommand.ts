// `npm run cluster:up`, `cluster:down` and `cluster:clean` (scripts/kindCluster.ts; docs/kind.md#step-by-step): create
// the kind cluster with Istio and the project's images, delete it, or remove what interrupted runs left on any cluster.
// `--dry-run <dir>` prints every CLI call and writes the rendered files to <dir> without running anything.
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { EXIT_BAD_INPUT, EXIT_RUNTIME } from '../../core/exitCodes.ts';
import { clusterRecordOf, clusterRecordPath, writeClusterRecord } from './clusterRecord.ts';
import { dryRunPlan, executePlan, StepFailedError } from './executor.ts';
import {
  DEFAULT_CLUSTER_NAME,
  DEFAULT_GATEWAY_NAMESPACE,
  DEFAULT_WORKERS,
  KUBELET_DEFAULT_MAX_PODS,
  MAX_PODS_RANGE,
  resolveClusterUpOptions,
  WORKERS_RANGE,
} from './options.ts';
import { planClusterClean, planClusterDown, planClusterUp } from './plans.ts';
import { checkPrerequisites, formatPrerequisites } from './prerequisites.ts';
import type { CommandPlan, SeedAccess } from './steps.ts';
import { execaRunner, type ToolRunner } from './tools.ts';
import { DEFAULT_IMAGES, DEFAULT_KUBE_APISERVER_VERSION, ETCD_IMAGE, ISTIO_VERSION, KIND_NODE_IMAGE } from './versions.ts';

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < WORKERS_RANGE.min || n > WORKERS_RANGE.max)
    throw new InvalidArgumentError(`must be an integer from ${WORKERS_RANGE.min} to ${WORKERS_RANGE.max}`);
  return n;
}

function parseMaxPods(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < MAX_PODS_RANGE.min || n > MAX_PODS_RANGE.max)
    throw new InvalidArgumentError(`must be an integer from ${MAX_PODS_RANGE.min} to ${MAX_PODS_RANGE.max} (kind gives each node a /24 of pod addresses)`);
  return n;
}

export interface ClusterCommandIo {
  runner?: ToolRunner;
  print?: (text: string) => void;
  /** Where `.kind/<name>/` lives (default: the current directory). */
  root?: string;
}

export function kindClusterCommand(io: ClusterCommandIo = {}): Command {
  const runner = io.runner ?? execaRunner();
  const print = io.print ?? ((t: string) => process.stdout.write(`${t}\n`));
  const root = io.root ?? process.cwd();
  const program = new Command('kind-cluster').description('the kind cluster of the kind target: Istio, the images, the ingress gateway');
  upCommand(program, runner, print, root);
  program
    .command('down')
    .description('delete the kind cluster and everything in it')
    .option('--name <name>', 'kind cluster name', DEFAULT_CLUSTER_NAME)
    .option('--dry-run <dir>', 'print the CLI calls; run nothing')
    .action(async (opts: { name: string; dryRun?: string }) => {
      const plan = planClusterDown(opts.name);
      if (opts.dryRun) return void print(dryRunPlan(plan, opts.dryRun, `dry run of cluster:down (${opts.name}); nothing was run`).text);
      if (!(await prerequisitesMet(runner, 'cluster-down', 'cannot delete the cluster', print))) return;
      await run(plan, path.join(root, '.kind', opts.name, 'down'), runner, print);
    });
  program
    .command('clean')
    .description('remove what interrupted runs left on a cluster (the webhook registration first), kind or any other')
    .option('--name <name>', 'kind cluster name (its context kind-<name> is used unless --kubeconfig or --context is given)', DEFAULT_CLUSTER_NAME)
    .option('--kubeconfig <file>', "kubeconfig of the cluster (default kubectl's own)")
    .option('--context <name>', 'kubeconfig context')
    .option('--gateway-namespace <ns>', 'namespace of the ingress gateway the runs used', DEFAULT_GATEWAY_NAMESPACE)
    .option('--dry-run <dir>', 'print the CLI calls; run nothing')
    .action(async (opts: { name: string; kubeconfig?: string; context?: string; gatewayNamespace: string; dryRun?: string }) => {
      const access: SeedAccess = opts.kubeconfig || opts.context ? { kubeconfig: opts.kubeconfig, context: opts.context } : { context: `kind-${opts.name}` };
      const plan = planClusterClean(access, opts.gatewayNamespace);
      if (opts.dryRun) return void print(dryRunPlan(plan, opts.dryRun, 'dry run of cluster:clean; nothing was run').text);
      if (!(await prerequisitesMet(runner, 'cluster-run', 'cannot clean the cluster', print))) return;
      await run(plan, path.join(root, '.kind', 'clean'), runner, print);
      if (!process.exitCode) print('nothing of the testbed is left on the cluster but the Istio installation and the gateway Deployment');
    });
  return program;
}

function upCommand(program: Command, runner: ToolRunner, print: (text: string) => void, root: string): void {
  program
    .command('up')
    .description('create (or complete) the kind cluster: node image, Istio (base, istiod, gateway), the webhook and load-client images')
    .option('--name <name>', 'kind cluster name', DEFAULT_CLUSTER_NAME)
    .addOption(new Option('--workers <n>', 'worker nodes').default(DEFAULT_WORKERS).argParser(parseWorkers))
    .addOption(new Option('--max-pods <n>', "the kubelet's maxPods on every node").default(KUBELET_DEFAULT_MAX_PODS).argParser(parseMaxPods))
    .option('--node-image <image>', 'kind node image', KIND_NODE_IMAGE)
    .addOption(new Option('--kube-proxy-mode <mode>', "the seed cluster's kube-proxy mode").choices(['iptables', 'ipvs']).default('iptables'))
    .option('--istio-version <v>', 'Istio version (Helm charts / istioctl)', ISTIO_VERSION)
    .addOption(new Option('--istio-installer <tool>', 'install Istio with helm or istioctl (default: helm when installed)').choices(['helm', 'istioctl']))
    .option('--kube-apiserver-version <v>', 'kube-apiserver version the runs on this cluster deploy (pre-pulled in the nodes)', DEFAULT_KUBE_APISERVER_VERSION)
    .option('--etcd-image <image>', 'etcd image the runs on this cluster deploy (pre-pulled in the nodes)', ETCD_IMAGE)
    .option('--webhook-image <image>', 'tag of the webhook image built and loaded', DEFAULT_IMAGES.webhook)
    .option('--load-client-image <image>', 'tag of the load-client image built and loaded', DEFAULT_IMAGES.loadClient)
    .option('--gateway-namespace <ns>', 'namespace of the ingress gateway', DEFAULT_GATEWAY_NAMESPACE)
    .option('--dry-run <dir>', 'print every CLI call and write the rendered files to <dir>; run nothing')
    .action(async (opts) => {
      const o = resolveClusterUpOptions({
        clusterName: opts.name,
        workers: opts.workers,
        maxPods: opts.maxPods,
        nodeImage: opts.nodeImage,
        kubeProxyMode: opts.kubeProxyMode,
        istioVersion: opts.istioVersion,
        istioInstaller: opts.istioInstaller,
        kubeApiserverVersion: opts.kubeApiserverVersion,
        etcdImage: opts.etcdImage,
        images: { webhook: opts.webhookImage, loadClient: opts.loadClientImage },
        gatewayNamespace: opts.gatewayNamespace,
        repoRoot: root,
      });
      if (opts.dryRun) {
        const out = dryRunPlan(planClusterUp(o, o.istioInstaller ?? 'helm'), opts.dryRun, `dry run of cluster:up (${o.clusterName}); nothing was run`);
        print(out.text);
        print(`wrote ${out.files.length} files to ${path.resolve(opts.dryRun)}; a run records the settings in ${clusterRecordPath(o.clusterName)}`);
        return;
      }
      const report = await checkPrerequisites(runner, 'cluster-up');
      print(formatPrerequisites(report));
      if (!report.ok) {
        print(`cannot create the cluster:\n  ${report.problems.join('\n  ')}`);
        process.exitCode = EXIT_BAD_INPUT;
        return;
      }
      await run(planClusterUp(o, o.istioInstaller ?? report.istioInstaller!), path.join(root, '.kind', o.clusterName, 'up'), runner, print);
      if (process.exitCode) return;
      const recorded = writeClusterRecord(clusterRecordOf(o), root);
      print(
        `cluster ${o.clusterName} is ready (its settings, which --target kind runs use: ${path.relative(root, recorded)}): npm run scenario hot-client -- --target kind`,
      );
    });
}

async function prerequisitesMet(
  runner: ToolRunner,
  needs: Parameters<typeof checkPrerequisites>[1],
  what: string,
  print: (text: string) => void,
): Promise<boolean> {
  const report = await checkPrerequisites(runner, needs);
  if (report.ok) return true;
  print(`${what}:\n  ${report.problems.join('\n  ')}`);
  process.exitCode = EXIT_BAD_INPUT;
  return false;
}

async function run(plan: CommandPlan, workDir: string, runner: ToolRunner, print: (text: string) => void): Promise<void> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    await executePlan(plan, { runner, workDir: path.resolve(workDir), log: print, signal: abort.signal });
  } catch (error) {
    print(error instanceof StepFailedError ? error.message : `failed: ${(error as Error).message}`);
    process.exitCode = EXIT_RUNTIME;
  } finally {
    process.off('SIGINT', onSignal);
  }
}
