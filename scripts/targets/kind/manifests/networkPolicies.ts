// The NetworkPolicies that decide whether a client pod may reach the internal gateway, as a Gardener seed has them
// (docs/kind.md#network-policies). The seed's gardener-resource-manager (GRM) NetworkPolicy controller turns each
// Service into policies (pkg/resourcemanager/controller/networkpolicy/reconciler.go, read at gardener/gardener
// 00f8034): for a Service in another namespace, an egress policy in each selected namespace named
// `egress-to-<service namespace>-<service>-<protocol>-<target port>` that lets pods labelled
// `networking.resources.gardener.cloud/to-<infix>-<service>-tcp-<port>: allowed` reach the Service's pods, where the
// infix is the Service's namespace, or the value of its `networking.resources.gardener.cloud/pod-label-selector-namespace-alias`
// annotation when it has one (matchLabelsForServiceAndNamespace); for a Service in the same namespace,
// `egress-to-<service>-<protocol>-<port>` with the label `to-<service>-tcp-<port>`. Egress policies matter because a
// shoot namespace denies all traffic by default (Gardener's `deny-all`). The gateway's own side lets 9443 in from
// everywhere (the Service's `from-world-to-ports` annotation), so the egress side decides.
//
// No GRM runs here: the kind target writes what it would write, for the control-plane namespace's client pods only
// (the pods the webhook acts on): a default deny of their egress, DNS (Gardener's `allow-to-dns`), the kube-apiserver
// Service (direct mode) and the internal gateway (l7 and passthrough). The timeline's set-namespace-alias annotates the
// Service and rewrites the gateway policy as GRM would, so pods carrying the label the webhook sets lose the gateway:
// kindnetd enforces NetworkPolicies since kind v0.24.0 (kubernetes-sigs/kind#842), dropping their SYNs.
import type { KubeManifest } from '../../../core/kubeObject.ts';
import {
  GATEWAY_LABELS,
  KUBE_APISERVER_LABELS,
  KUBE_APISERVER_PORT,
  KUBE_APISERVER_POLICY_LABEL,
  KUBE_APISERVER_SERVICE_NAME,
} from '../../../cluster/gardener.ts';
import type { ClusterPlan } from '../../../cluster/plan.ts';
import { GATEWAY_TARGET_PORT, INTERNAL_SERVICE_NAME } from '../../../../webhook/constants.ts';
import { internalGatewayPolicyLabel, LABEL_NETWORK_POLICY_ALLOWED } from '../../../../webhook/networkPolicyLabel.ts';
import { FLEET_LABEL, MANAGED_BY } from './common.ts';

/** Gardener's label for pods that may reach the cluster DNS (v1beta1constants.LabelNetworkPolicyToDNS). */
export const TO_DNS_LABEL = 'networking.gardener.cloud/to-dns';
/** The Service annotation GRM reads the namespace alias from (resourcesv1alpha1.NetworkingPodLabelSelectorNamespaceAlias). */
export const NAMESPACE_ALIAS_ANNOTATION = 'networking.resources.gardener.cloud/pod-label-selector-namespace-alias';

function policy(plan: ClusterPlan, name: string, spec: Record<string, unknown>): KubeManifest {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: plan.namespace, labels: { ...MANAGED_BY } },
    spec: { ...spec, policyTypes: ['Egress'] },
  };
}

/** GRM's egress policy for the internal gateway Service, with the label it selects given `alias` (none: the Service's namespace). */
export function gatewayEgressPolicy(plan: ClusterPlan, alias?: string): KubeManifest {
  const label = internalGatewayPolicyLabel(alias ?? plan.istioNamespace);
  return policy(plan, `egress-to-${plan.istioNamespace}-${INTERNAL_SERVICE_NAME}-tcp-${GATEWAY_TARGET_PORT}`, {
    podSelector: { matchLabels: { [label]: LABEL_NETWORK_POLICY_ALLOWED } },
    egress: [
      {
        to: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': plan.istioNamespace } }, podSelector: { matchLabels: { ...GATEWAY_LABELS } } },
        ],
        ports: [{ protocol: 'TCP', port: GATEWAY_TARGET_PORT }],
      },
    ],
  });
}

/** Every policy of a control-plane namespace (header): default deny for client pods, DNS, kube-apiserver, the gateway. */
export function controlPlaneNetworkPolicies(plan: ClusterPlan): KubeManifest[] {
  return [
    policy(plan, 'deny-all-client-egress', { podSelector: { matchExpressions: [{ key: FLEET_LABEL, operator: 'Exists' }] }, egress: [] }),
    policy(plan, 'allow-to-dns', {
      podSelector: { matchLabels: { [TO_DNS_LABEL]: LABEL_NETWORK_POLICY_ALLOWED } },
      egress: [
        {
          to: [
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    }),
    policy(plan, `egress-to-${KUBE_APISERVER_SERVICE_NAME}-tcp-${KUBE_APISERVER_PORT}`, {
      podSelector: { matchLabels: { [KUBE_APISERVER_POLICY_LABEL]: LABEL_NETWORK_POLICY_ALLOWED } },
      egress: [{ to: [{ podSelector: { matchLabels: { ...KUBE_APISERVER_LABELS } } }], ports: [{ protocol: 'TCP', port: KUBE_APISERVER_PORT }] }],
    }),
    gatewayEgressPolicy(plan),
  ];
}
