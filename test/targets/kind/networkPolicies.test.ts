// The NetworkPolicies the kind target writes as gardener-resource-manager would (docs/kind.md#network-policies),
// judged by NetworkPolicy's own egress rule (an egress policy selecting a pod isolates it; a connection is allowed
// when one of the policies selecting it has a rule whose peer and port match the destination,
// https://kubernetes.io/docs/concepts/services-networking/network-policies/): a client pod the webhook labelled reaches
// the gateway on 9443, the kube-apiserver and DNS, and nothing else; after set-namespace-alias it loses the gateway only.
import { describe, expect, it } from 'vitest';
import { GATEWAY_LABELS, KUBE_APISERVER_LABELS } from '../../../scripts/cluster/gardener.ts';
import { MODES } from '../../../scripts/cluster/modes.ts';
import { planCluster } from '../../../scripts/cluster/plan.ts';
import { genericKubeconfigFor } from '../../../scripts/cluster/plan.ts';
import type { KubeManifest } from '../../../scripts/core/kubeObject.ts';
import { Rng } from '../../../scripts/core/random.ts';
import { controlPlaneNetworkPolicies, gatewayEgressPolicy } from '../../../scripts/targets/kind/manifests/networkPolicies.ts';
import { fleetPodObjects } from '../../../scripts/targets/kind/manifests/workloads.ts';
import { resolveKindOptions } from '../../../scripts/targets/kind/options.ts';
import { ChangeContext, changeObjectFile, planChange } from '../../../scripts/targets/kind/plans.ts';
import { ClientGroup, Scenario } from '../../../scenarios/schema.ts';
import { internalGatewayPolicyLabel } from '../../../webhook/networkPolicyLabel.ts';

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
}
interface EgressRule {
  to?: Peer[];
  ports?: { protocol: string; port: number }[];
}
interface Endpoint {
  namespace: string;
  labels: Record<string, string>;
}

function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const exprs = (selector.matchExpressions ?? []).every((e) => (e.operator === 'Exists' ? e.key in labels : false));
  return exprs && Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** NetworkPolicy egress for a TCP/UDP connection from `pod` to `dest` on `port`. */
function egressAllowed(policies: KubeManifest[], pod: Endpoint, dest: Endpoint, protocol: string, port: number): boolean {
  const selecting = policies.filter((p) => p.metadata.namespace === pod.namespace && selects((p.spec as { podSelector: Selector }).podSelector, pod.labels));
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    ((p.spec as { egress?: EgressRule[] }).egress ?? []).some(
      (rule) =>
        (rule.ports ?? []).some((r) => r.protocol === protocol && r.port === port) &&
        (rule.to ?? []).some(
          (peer) =>
            selects(peer.podSelector, dest.labels) &&
            (peer.namespaceSelector ? selects(peer.namespaceSelector, { 'kubernetes.io/metadata.name': dest.namespace }) : dest.namespace === pod.namespace),
        ),
    ),
  );
}

describe("the kind target's NetworkPolicies, as GRM writes them", () => {
  const plan = planCluster(Scenario.parse({ name: 't', duration: '5s', clients: [{ name: 'a', rate: 1 }] }).topology, MODES.l7, 1, {
    clientGroups: [{ name: 'a' }],
  });
  const [rendered] = fleetPodObjects([{ name: 'a-0', group: ClientGroup.parse({ name: 'a', rate: 1 }) }], {
    name: 'f0',
    namespace: plan.namespace,
    genericKubeconfig: genericKubeconfigFor(plan.namespace, plan.publicHost, 'public-host'),
    rng: new Rng(1),
    options: resolveKindOptions(),
  });
  // The webhook adds the label of the control plane's own gateway (webhook/networkPolicyLabel.ts, its tests pin it).
  const client: Endpoint = {
    namespace: plan.namespace,
    labels: { ...(rendered!.object.metadata.labels ?? {}), [internalGatewayPolicyLabel(plan.istioNamespace)]: 'allowed' },
  };
  const gateway: Endpoint = { namespace: plan.istioNamespace, labels: { ...GATEWAY_LABELS } };
  const apiserver: Endpoint = { namespace: plan.namespace, labels: { ...KUBE_APISERVER_LABELS } };
  const dns: Endpoint = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
  const elsewhere: Endpoint = { namespace: 'default', labels: { app: 'web' } };
  const policies = controlPlaneNetworkPolicies(plan);

  it("bear GRM's names for the Services they are about", () => {
    expect(policies.map((p) => p.metadata.name)).toEqual([
      'deny-all-client-egress',
      'allow-to-dns',
      'egress-to-kube-apiserver-tcp-443',
      'egress-to-istio-ingress-istio-ingressgateway-internal-tcp-9443',
    ]);
  });

  it('a labelled client pod reaches the gateway on 9443, its kube-apiserver and DNS, and nothing else', () => {
    expect(egressAllowed(policies, client, gateway, 'TCP', 9443)).toBe(true);
    expect(egressAllowed(policies, client, apiserver, 'TCP', 443)).toBe(true);
    expect(egressAllowed(policies, client, dns, 'UDP', 53)).toBe(true);
    expect(egressAllowed(policies, client, gateway, 'TCP', 15021)).toBe(false);
    expect(egressAllowed(policies, client, elsewhere, 'TCP', 443)).toBe(false);
    // Without the webhook's label (the configmap-missing case: L7 off, no label) only the gateway is out of reach.
    const unlabelled = { ...client, labels: { ...(rendered!.object.metadata.labels ?? {}) } };
    expect(egressAllowed(policies, unlabelled, gateway, 'TCP', 9443)).toBe(false);
    expect(egressAllowed(policies, unlabelled, apiserver, 'TCP', 443)).toBe(true);
    // The control plane's own pods are not isolated by the testbed's policies.
    expect(egressAllowed(policies, apiserver, { namespace: plan.namespace, labels: { app: 'etcd' } }, 'TCP', 2379)).toBe(true);
  });

  it('set-namespace-alias: the Service is annotated and the gateway policy selects the alias label, which the webhook does not set', () => {
    const aliased = [...policies.slice(0, 3), gatewayEgressPolicy(plan, 'all-istio-ingresses')];
    expect(egressAllowed(aliased, client, gateway, 'TCP', 9443)).toBe(false);
    expect(egressAllowed(aliased, client, apiserver, 'TCP', 443)).toBe(true);
    const back = [...policies.slice(0, 3), gatewayEgressPolicy(plan)];
    expect(egressAllowed(back, client, gateway, 'TCP', 9443)).toBe(true);

    const c: ChangeContext = { access: { context: 'kind-x' }, namespace: plan.namespace, istioNamespace: plan.istioNamespace, count: 0, webhookReplicas: 2 };
    const change = { type: 'set-namespace-alias', alias: 'all-istio-ingresses' } as const;
    const objectFile = changeObjectFile(change, { plan } as Parameters<typeof changeObjectFile>[1], 'changes');
    const steps = planChange(change, { ...c, objectFile }).steps.map((s) => s.args.filter((a) => typeof a === 'string').join(' '));
    expect(steps[0]).toBe(
      '--context kind-x annotate service istio-ingressgateway-internal -n istio-ingress networking.resources.gardener.cloud/pod-label-selector-namespace-alias=all-istio-ingresses --overwrite',
    );
    expect(objectFile!.content).toContain('networking.resources.gardener.cloud/to-all-istio-ingresses-istio-ingressgateway-internal-tcp-9443: allowed');
    const removal = planChange(
      { type: 'set-namespace-alias' },
      { ...c, objectFile: changeObjectFile({ type: 'set-namespace-alias' }, { plan } as Parameters<typeof changeObjectFile>[1], 'changes') },
    );
    expect(removal.steps[0]!.args).toContain('networking.resources.gardener.cloud/pod-label-selector-namespace-alias-');
  });
});
