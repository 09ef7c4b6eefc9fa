// Gardener's NetworkPolicyLabel (pkg/utils/gardener/networkpolicy.go; docs/gardener.md#network-policy-labels): the pod label that lets a pod
// reach a Service's pods on a TCP port, `networking.resources.gardener.cloud/to-<service>-tcp-<port>`, shortened when
// the part after the prefix exceeds 63 characters (the label-key name limit) to its first 57 characters, "-" and the
// first 5 hex digits of the SHA-256 of that part. GRM's NetworkPolicy controller shortens its selectors the same way.
import { createHash } from 'node:crypto';
import { GATEWAY_TARGET_PORT, INTERNAL_SERVICE_NAME } from './constants.ts';

export const NETWORK_POLICY_LABEL_KEY_PREFIX = 'networking.resources.gardener.cloud/';
export const LABEL_NETWORK_POLICY_ALLOWED = 'allowed';
const MAX_LABEL_KEY_LENGTH = 63;

export function shortenNetworkPolicyLabelKeyIfTooLong(labelKey: string): { key: string; shortened: boolean } {
  const rest = labelKey.startsWith(NETWORK_POLICY_LABEL_KEY_PREFIX) ? labelKey.slice(NETWORK_POLICY_LABEL_KEY_PREFIX.length) : labelKey;
  if (rest.length <= MAX_LABEL_KEY_LENGTH) return { key: labelKey, shortened: false };
  const digest = createHash('sha256').update(rest, 'utf8').digest('hex');
  return { key: `${NETWORK_POLICY_LABEL_KEY_PREFIX}${rest.slice(0, MAX_LABEL_KEY_LENGTH - 6)}-${digest.slice(0, 5)}`, shortened: true };
}

export function networkPolicyLabel(serviceName: string, port: number): string {
  return shortenNetworkPolicyLabelKeyIfTooLong(`${NETWORK_POLICY_LABEL_KEY_PREFIX}to-${serviceName}-tcp-${port}`).key;
}

/**
 * The label the webhook adds so a pod may reach its own istio ingress gateway's internal Service on 9443 (the merged
 * form of gardener/gardener#12260: `<istio-namespace>-istio-ingressgateway-internal`, port 9443).
 */
export function internalGatewayPolicyLabel(istioNamespace: string): string {
  return networkPolicyLabel(`${istioNamespace}-${INTERNAL_SERVICE_NAME}`, GATEWAY_TARGET_PORT);
}
