// preflight() of the kind and cluster targets against a cluster that lacks something (a recording runner answers as
// kubectl would): the Istio CRDs, the ingress gateway Deployment, Gardener's gateway labels, a Service that sends the
// gateway's port 443 elsewhere than Envoy's 9443, and on --target cluster images no registry serves. Each problem says
// what is missing and what to do; a cluster that has everything has none.
import { describe, expect, it } from 'vitest';
import { resolveKindOptions, type KindTargetOptions } from '../../../scripts/targets/kind/options.ts';
import { preflightProblems } from '../../../scripts/targets/kind/preflight.ts';
import { recordingRunner, versionAnswer } from './recordingRunner.ts';

const GATEWAY_DEPLOYMENT = (labels: Record<string, string>) => JSON.stringify({ spec: { template: { metadata: { labels } } } });
const GOOD_LABELS = { app: 'istio-ingressgateway', istio: 'ingressgateway', 'istio.io/rev': 'default' };
const SERVICES = (targetPort: number) =>
  JSON.stringify({
    items: [
      {
        metadata: { name: 'istio-ingressgateway' },
        spec: { selector: { app: 'istio-ingressgateway', istio: 'ingressgateway' }, ports: [{ port: 443, targetPort }] },
      },
      { metadata: { name: 'unrelated' }, spec: { selector: { app: 'other' }, ports: [{ port: 443, targetPort: 8443 }] } },
    ],
  });
const ALL_CRDS = ['gateways', 'virtualservices', 'destinationrules', 'envoyfilters']
  .map((k) => `customresourcedefinition.apiextensions.k8s.io/${k}.networking.istio.io`)
  .join('\n');

/** A cluster as kubectl shows it; `overrides` replaces one answer. */
function cluster(overrides: { crds?: string; deployment?: string; services?: string } = {}) {
  return recordingRunner((tool, args) => {
    const version = versionAnswer(tool, args);
    if (version !== undefined) return version;
    if (tool === 'kind') return 'apiserver-lb\n';
    if (args.includes('/readyz')) return 'ok';
    if (args.includes('crd')) return overrides.crds ?? ALL_CRDS;
    if (args.includes('deployment')) return overrides.deployment ?? GATEWAY_DEPLOYMENT(GOOD_LABELS);
    if (args.includes('services')) return overrides.services ?? SERVICES(9443);
    return '';
  });
}

const problems = (runner: ReturnType<typeof cluster>, options: KindTargetOptions = {}) => preflightProblems(runner, resolveKindOptions(options));

describe('preflight: what the plan needs of the cluster', () => {
  it('a cluster:up cluster has everything', async () => {
    const runner = cluster();
    expect(await problems(runner)).toEqual([]);
    expect(runner.calls).toContain(
      'kubectl --context kind-apiserver-lb get crd gateways.networking.istio.io virtualservices.networking.istio.io destinationrules.networking.istio.io envoyfilters.networking.istio.io -o name --ignore-not-found',
    );
    expect(runner.calls).toContain('kubectl --context kind-apiserver-lb get deployment istio-ingressgateway -n istio-ingress -o json --ignore-not-found');
  });

  it('names the missing Istio CRDs', async () => {
    expect(await problems(cluster({ crds: 'customresourcedefinition.apiextensions.k8s.io/gateways.networking.istio.io\n' }))).toEqual([
      'the cluster has no Istio CRDs virtualservices.networking.istio.io, destinationrules.networking.istio.io, envoyfilters.networking.istio.io: install Istio with an ingress gateway (cluster:up does; docs/kind.md#your-own-cluster)',
    ]);
  });

  it('names a missing gateway Deployment, and one without Gardener`s labels', async () => {
    expect(
      await problems(cluster({ deployment: '' }), { target: 'cluster', gatewayNamespace: 'istio-system', images: { webhook: 'r/w:1', loadClient: 'r/l:1' } }),
    ).toEqual([
      "there is no Deployment istio-system/istio-ingressgateway: the runs scale and configure the ingress gateway by that name (install Istio's gateway chart as istio-ingressgateway, or pass --gateway-namespace; docs/kind.md#your-own-cluster)",
    ]);
    expect(await problems(cluster({ deployment: GATEWAY_DEPLOYMENT({ app: 'istio-ingressgateway', istio: 'ingress' }) }))).toEqual([
      "the pods of istio-ingress/istio-ingressgateway lack the labels istio=ingressgateway that the runs' Gateways, EnvoyFilters and Services select (Gardener's gateway labels; docs/kind.md#your-own-cluster)",
    ]);
  });

  it('names a Service that sends the gateway`s port 443 elsewhere than 9443', async () => {
    expect(await problems(cluster({ services: SERVICES(8443) }))).toEqual([
      "Service istio-ingress/istio-ingressgateway sends the gateway's port 443 to 8443, but the runs' Gateway and EnvoyFilters use Envoy's listener on 9443 (Gardener's): set its targetPort to 9443 (docs/kind.md#your-own-cluster)",
    ]);
  });

  it('on --target cluster, the kind-only default images are refused; a failing kubectl is reported, not thrown', async () => {
    expect(await problems(cluster(), { target: 'cluster' })).toEqual([
      'localhost/pod-kube-apiserver-load-balancing:dev exists only in the nodes of a cluster:up kind cluster: build the image, push it to a registry the cluster pulls from and pass --webhook-image <image> (docs/kind.md#your-own-cluster)',
      'localhost/apiserver-lb-load-client:dev exists only in the nodes of a cluster:up kind cluster: build the image, push it to a registry the cluster pulls from and pass --load-client-image <image> (docs/kind.md#your-own-cluster)',
    ]);
    const forbidden = recordingRunner(
      (tool, args) =>
        versionAnswer(tool, args) ??
        (args.includes('crd') ? new Error('Error from server (Forbidden): customresourcedefinitions is forbidden') : 'apiserver-lb'),
    );
    expect(await problems(forbidden)).toEqual([
      "could not check the cluster's Istio ingress gateway istio-ingress/istio-ingressgateway: Error from server (Forbidden): customresourcedefinitions is forbidden",
    ]);
  });
});
