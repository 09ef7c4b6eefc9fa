// Ingress network policy at a Service, the way Gardener's resource-manager NetworkPolicy controller builds it:
// the pods behind a Service accept traffic from pods that carry the label
// `networking.resources.gardener.cloud/to-<[namespace-]service>-tcp-<targetPort>: allowed`
// (docs/gardener.md#network-policy-labels). The webhook adds exactly such a label for the internal istio gateway;
// Gardener's control-plane pods carry `to-kube-apiserver-tcp-443` themselves.
//
// Enforcement point: the Service VIP, by the connection's source address. A source that is not a known pod (for
// example your shell running kubectl or h2load on 127.0.0.1) is treated as host-network traffic and allowed, so the
// testbed stays usable from outside. A denied connection is reset at once; a real CNI drops the SYN, so a real client
// would wait for its dial timeout instead (documented difference, chosen so runs stay fast).

import { LABEL_NETWORK_POLICY_ALLOWED } from '../../webhook/networkPolicyLabel.ts';

export interface PodIdentity {
  name: string;
  namespace: string;
  ip: string;
  labels: Record<string, string>;
}

export type PolicyDecision =
  { allowed: true; reason: 'no-policy' | 'host-network' | 'label' } | { allowed: false; reason: 'missing-label'; pod: string; label: string };

/** Decides whether a connection from `sourceIp` may reach a Service whose pods require `requiredLabel`. */
export function decideIngress(requiredLabel: string | undefined, sourceIp: string, podsByIp: ReadonlyMap<string, PodIdentity>): PolicyDecision {
  if (!requiredLabel) return { allowed: true, reason: 'no-policy' };
  const pod = podsByIp.get(normalizeIp(sourceIp));
  if (!pod) return { allowed: true, reason: 'host-network' };
  if (pod.labels[requiredLabel] === LABEL_NETWORK_POLICY_ALLOWED) return { allowed: true, reason: 'label' };
  return { allowed: false, reason: 'missing-label', pod: `${pod.namespace}/${pod.name}`, label: requiredLabel };
}

/** Sockets report IPv4-mapped IPv6 addresses on dual-stack listeners; the pod table is keyed by plain IPv4. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
