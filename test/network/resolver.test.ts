import { describe, expect, it } from 'vitest';
import { resolveForPod } from '../../sim/network/resolver.ts';
import type { ServiceRecord } from '../../scripts/core/service.ts';

const services: ServiceRecord[] = [
  { namespace: 'shoot--local--hot', name: 'kube-apiserver', clusterIP: '127.100.0.1' },
  { namespace: 'istio-ingress', name: 'istio-ingressgateway-internal', clusterIP: '127.100.0.2' },
];
const pod = { namespace: 'shoot--local--hot' };
const publicHost = 'api.hot.local.internal.local.gardener.cloud';

describe('pod resolver (hostAliases, then cluster DNS with the kubelet search path)', () => {
  it('resolves the short Service name in the pod namespace, and the longer forms', () => {
    for (const name of [
      'kube-apiserver',
      'kube-apiserver.shoot--local--hot',
      'kube-apiserver.shoot--local--hot.svc',
      'kube-apiserver.shoot--local--hot.svc.cluster.local',
      'kube-apiserver.shoot--local--hot.svc.cluster.local.',
    ]) {
      const r = resolveForPod(name, pod, services);
      expect(r.ip, name).toBe('127.100.0.1');
      expect(r.via).toBe('cluster-dns');
    }
  });

  it('does not resolve a short name of another namespace', () => {
    expect(resolveForPod('istio-ingressgateway-internal', pod, services).ip).toBeUndefined();
    expect(resolveForPod('istio-ingressgateway-internal.istio-ingress', pod, services).ip).toBe('127.100.0.2');
  });

  it('has no upstream DNS: the public name is NXDOMAIN without a hostAlias', () => {
    const r = resolveForPod(publicHost, pod, services);
    expect(r.ip).toBeUndefined();
    expect(r.via).toBe('nxdomain');
  });

  it('hostAliases win over DNS, first entry first (the webhook appends one per clusterIP)', () => {
    const aliased = {
      ...pod,
      hostAliases: [
        { ip: '127.100.0.2', hostnames: [publicHost] },
        { ip: '127.100.0.9', hostnames: [publicHost, 'kube-apiserver'] },
      ],
    };
    expect(resolveForPod(publicHost, aliased, services)).toMatchObject({ ip: '127.100.0.2', via: 'hostAliases' });
    expect(resolveForPod('KUBE-APISERVER', aliased, services)).toMatchObject({ ip: '127.100.0.9', via: 'hostAliases' });
  });

  it('passes IP literals through', () => {
    expect(resolveForPod('127.1.2.3', pod, services)).toMatchObject({ ip: '127.1.2.3', via: 'literal' });
  });
});
