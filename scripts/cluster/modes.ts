// The modes a scenario compares are configurations of the same cluster, never separate code paths
// (docs/architecture.md#modes). Each says where the generic kubeconfig points, whether L7 is "active" for the control
// plane (the ConfigMap istio-internal-load-balancing exists, docs/gardener.md#the-configmap-istio-internal-load-balancing),
// how the gateway handles TLS, and the kube-apiserver's --goaway-chance.
import type { ModeName } from '../../scenarios/schema.ts';

export interface ModeConfig {
  name: ModeName;
  summary: string;
  /** Address in the generic token kubeconfig: the ClusterIP Service name or the public API host. */
  kubeconfigAddress: 'kube-apiserver' | 'public-host';
  /** Whether the ConfigMap istio-internal-load-balancing exists, i.e. the webhook mutates pods. */
  internalLoadBalancingConfigMap: boolean;
  /** How the istio ingress gateway treats the connection; undefined when no client traffic goes through it. */
  gatewayMode?: 'terminate' | 'passthrough';
  useGoawayChance: boolean;
}

export const MODES: Record<ModeName, ModeConfig> = {
  direct: {
    name: 'direct',
    summary: 'kubeconfig https://kube-apiserver → ClusterIP → kube-proxy picks a replica per TCP connection (L4)',
    kubeconfigAddress: 'kube-apiserver',
    internalLoadBalancingConfigMap: false,
    useGoawayChance: false,
  },
  l7: {
    name: 'l7',
    summary: 'public name → webhook hostAlias → istio-ingressgateway-internal → TLS termination → LEAST_REQUEST per request',
    kubeconfigAddress: 'public-host',
    internalLoadBalancingConfigMap: true,
    gatewayMode: 'terminate',
    useGoawayChance: false,
  },
  passthrough: {
    name: 'passthrough',
    summary: 'public name → webhook hostAlias → istio-ingressgateway-internal in SNI passthrough → replica per connection (L4)',
    kubeconfigAddress: 'public-host',
    internalLoadBalancingConfigMap: true,
    gatewayMode: 'passthrough',
    useGoawayChance: false,
  },
  goaway: {
    name: 'goaway',
    summary: 'direct + kube-apiserver --goaway-chance: random GOAWAYs make clients reconnect through kube-proxy',
    kubeconfigAddress: 'kube-apiserver',
    internalLoadBalancingConfigMap: false,
    useGoawayChance: true,
  },
};
