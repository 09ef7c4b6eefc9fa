// NetworkPolicyLabel and its shortening, pinned by docs/gardener.md#network-policy-labels (values computed there
// independently of this code) and by networkpolicy_test.go's behaviour (docs/gardener.md#upstream-tests).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NETWORK_POLICY_LABEL_KEY_PREFIX, networkPolicyLabel, shortenNetworkPolicyLabelKeyIfTooLong } from '../../webhook/networkPolicyLabel.ts';

describe('NetworkPolicyLabel (docs/gardener.md#network-policy-labels table, port 9443)', () => {
  const table: [string, string][] = [
    ['all-istio-ingresses-istio-ingressgateway-internal', 'networking.resources.gardener.cloud/to-all-istio-ingresses-istio-ingressgateway-internal-tcp-9443'],
    ['istio-ingress-istio-ingressgateway-internal', 'networking.resources.gardener.cloud/to-istio-ingress-istio-ingressgateway-internal-tcp-9443'],
    [
      'virtual-garden-istio-ingress-istio-ingressgateway-internal',
      'networking.resources.gardener.cloud/to-virtual-garden-istio-ingress-istio-ingressgateway-inte-02e09',
    ],
    [
      'istio-ingress--europe-west1-b-istio-ingressgateway-internal',
      'networking.resources.gardener.cloud/to-istio-ingress--europe-west1-b-istio-ingressgateway-int-1881b',
    ],
    [
      'istio-ingress-handler-foo-istio-ingressgateway-internal',
      'networking.resources.gardener.cloud/to-istio-ingress-handler-foo-istio-ingressgateway-interna-1dfcd',
    ],
    ['istio-gateway-istio-ingressgateway-internal', 'networking.resources.gardener.cloud/to-istio-gateway-istio-ingressgateway-internal-tcp-9443'],
  ];
  it.each(table)('%s', (service, expected) => {
    const key = networkPolicyLabel(service, 9443);
    expect(key).toBe(expected);
    expect(key.length - NETWORK_POLICY_LABEL_KEY_PREFIX.length).toBeLessThanOrEqual(63);
  });

  it('leaves a short key as it is (networkpolicy_test.go: to-foo-tcp-1234)', () => {
    expect(networkPolicyLabel('foo', 1234)).toBe('networking.resources.gardener.cloud/to-foo-tcp-1234');
  });

  it('shortens at 64 characters after the prefix but not at 63', () => {
    const rest63 = `to-${'a'.repeat(63 - 3)}`;
    const rest64 = `to-${'a'.repeat(64 - 3)}`;
    expect(shortenNetworkPolicyLabelKeyIfTooLong(NETWORK_POLICY_LABEL_KEY_PREFIX + rest63)).toEqual({
      key: NETWORK_POLICY_LABEL_KEY_PREFIX + rest63,
      shortened: false,
    });
    const shortened = shortenNetworkPolicyLabelKeyIfTooLong(NETWORK_POLICY_LABEL_KEY_PREFIX + rest64);
    const digest = createHash('sha256').update(rest64).digest('hex');
    expect(shortened).toEqual({ key: `${NETWORK_POLICY_LABEL_KEY_PREFIX}${rest64.slice(0, 57)}-${digest.slice(0, 5)}`, shortened: true });
    expect(shortened.key.length - NETWORK_POLICY_LABEL_KEY_PREFIX.length).toBe(63);
  });

  it('is deterministic and distinguishes keys that share the first 57 characters', () => {
    const a = networkPolicyLabel('istio-ingress--europe-west1-b-istio-ingressgateway-internal', 9443);
    const b = networkPolicyLabel('istio-ingress--europe-west1-c-istio-ingressgateway-internal', 9443);
    expect(networkPolicyLabel('istio-ingress--europe-west1-b-istio-ingressgateway-internal', 9443)).toBe(a);
    expect(a).not.toBe(b);
  });
});
