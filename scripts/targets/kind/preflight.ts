// What keeps a kind or cluster run from starting, found before anything is created (Target.preflight,
// docs/kind.md#what-the-kind-target-refuses), one line per problem, each saying what to do: the tools and their
// versions; for --target kind that the kind cluster exists; that kubectl reaches the cluster's API server; on
// --target cluster, images a registry serves; and what the plan needs of the cluster's Istio: its CRDs, the ingress
// gateway Deployment with Gardener's labels, and no Service sending the gateway's port 443 anywhere but Envoy's 9443.
import { GATEWAY_LABELS } from '../../cluster/gardener.ts';
import { GATEWAY_TARGET_PORT } from '../../../webhook/constants.ts';
import { MANAGED_BY } from './manifests/common.ts';
import { GATEWAY_DEPLOYMENT } from './manifests/istio.ts';
import type { ResolvedKindOptions } from './options.ts';
import { checkClusterReachable, checkPrerequisites } from './prerequisites.ts';
import { seedFlags } from './steps.ts';
import { ToolFailedError, type ToolRunner } from './tools.ts';

/** The Istio kinds the plan creates (Gateway, VirtualService, DestinationRule, EnvoyFilter). */
export const ISTIO_CRDS = [
  'gateways.networking.istio.io',
  'virtualservices.networking.istio.io',
  'destinationrules.networking.istio.io',
  'envoyfilters.networking.istio.io',
] as const;

const OWN_CLUSTER = 'docs/kind.md#your-own-cluster';

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
  if (unreachable) return [unreachable];
  return [...imageProblems(o), ...(await istioProblems(runner, o))];
}

/** On another cluster than kind, the nodes pull the project's images: the kind defaults exist only in kind's nodes. */
export function imageProblems(o: Pick<ResolvedKindOptions, 'target' | 'images'>): string[] {
  if (o.target !== 'cluster') return [];
  return (
    [
      ['--webhook-image', o.images.webhook],
      ['--load-client-image', o.images.loadClient],
    ] as const
  )
    .filter(([, image]) => image.startsWith('localhost/'))
    .map(
      ([flag, image]) =>
        `${image} exists only in the nodes of a cluster:up kind cluster: build the image, push it to a registry the cluster pulls from and pass ${flag} <image> (${OWN_CLUSTER})`,
    );
}

/** What the plan needs of the cluster's Istio, each missing piece with what to do. */
async function istioProblems(runner: ToolRunner, o: ResolvedKindOptions): Promise<string[]> {
  const kubectl = async (args: string[]) => (await runner.run('kubectl', [...seedFlags(o), ...args], { timeoutMs: 30_000 })).stdout;
  const gateway = `${o.gatewayNamespace}/${GATEWAY_DEPLOYMENT}`;
  try {
    const crds = (await kubectl(['get', 'crd', ...ISTIO_CRDS, '-o', 'name', '--ignore-not-found'])).split('\n').map((l) => l.trim().split('/').at(-1));
    const missing = ISTIO_CRDS.filter((c) => !crds.includes(c));
    if (missing.length > 0)
      return [`the cluster has no Istio CRDs ${missing.join(', ')}: install Istio with an ingress gateway (cluster:up does; ${OWN_CLUSTER})`];
    const deployment = await kubectl(['get', 'deployment', GATEWAY_DEPLOYMENT, '-n', o.gatewayNamespace, '-o', 'json', '--ignore-not-found']);
    if (!deployment.trim())
      return [
        `there is no Deployment ${gateway}: the runs scale and configure the ingress gateway by that name (install Istio's gateway chart as ${GATEWAY_DEPLOYMENT}, or pass --gateway-namespace; ${OWN_CLUSTER})`,
      ];
    const podLabels =
      (JSON.parse(deployment) as { spec?: { template?: { metadata?: { labels?: Record<string, string> } } } }).spec?.template?.metadata?.labels ?? {};
    const lacking = Object.entries(GATEWAY_LABELS).filter(([k, v]) => podLabels[k] !== v);
    if (lacking.length > 0)
      return [
        `the pods of ${gateway} lack the labels ${lacking.map(([k, v]) => `${k}=${v}`).join(', ')} that the runs' Gateways, EnvoyFilters and Services select (Gardener's gateway labels; ${OWN_CLUSTER})`,
      ];
    return portProblems(JSON.parse(await kubectl(['get', 'services', '-n', o.gatewayNamespace, '-o', 'json'])) as ServiceList, podLabels, o.gatewayNamespace);
  } catch (error) {
    const detail = error instanceof ToolFailedError ? (error.result.stderr.trim().split('\n').at(-1) ?? error.message) : (error as Error).message;
    return [`could not check the cluster's Istio ingress gateway ${gateway}: ${detail}`];
  }
}

interface ServiceList {
  items?: {
    metadata: { name: string; labels?: Record<string, string> };
    spec?: { selector?: Record<string, string>; ports?: { port: number; targetPort?: number | string }[] };
  }[];
}

/**
 * Istio gives a Gateway server on port 443 the listener of the target port that the Services selecting the gateway
 * pods map 443 to; the runs' EnvoyFilters patch the listener on 9443 (Gardener's), and their own Service
 * istio-ingressgateway-internal maps 443 → 9443. Another Service sending 443 elsewhere would split that.
 */
export function portProblems(services: ServiceList, podLabels: Record<string, string>, namespace: string): string[] {
  const managedBy = Object.entries(MANAGED_BY)[0]!;
  return (services.items ?? [])
    .filter((s) => s.metadata.labels?.[managedBy[0]] !== managedBy[1])
    .filter((s) => {
      const selector = Object.entries(s.spec?.selector ?? {});
      return selector.length > 0 && selector.every(([k, v]) => podLabels[k] === v);
    })
    .flatMap((s) =>
      (s.spec?.ports ?? [])
        .filter((p) => p.port === 443 && (p.targetPort ?? 443) !== GATEWAY_TARGET_PORT)
        .map(
          (p) =>
            `Service ${namespace}/${s.metadata.name} sends the gateway's port 443 to ${p.targetPort ?? 443}, but the runs' Gateway and EnvoyFilters use Envoy's listener on ${GATEWAY_TARGET_PORT} (Gardener's): set its targetPort to ${GATEWAY_TARGET_PORT} (${OWN_CLUSTER})`,
        ),
    );
}
