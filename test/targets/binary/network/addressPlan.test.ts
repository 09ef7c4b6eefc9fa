// The binary target's address scheme and the pod's name-resolution files, without the kernel
// (docs/binary-target-network.md#addresses, #names): every address stays in the benchmark range, the allocators never
// collide with each other or with the node, and the kubelet's hostname, domain and resolv.conf rules.
import { describe, expect, it } from 'vitest';
import {
  BENCHMARK_RANGE,
  componentAddress,
  inCidr,
  interfaceAddressProblem,
  MAX_COMPONENTS,
  MAX_PODS,
  MAX_SERVICES,
  NODE_ADDRESS,
  POD_CIDR,
  podAddress,
  SERVICE_CIDR,
  serviceAddress,
} from '../../../../scripts/targets/binary/network/addresses.ts';
import { kubeletHostsFile, podHostnameAndDomain, podResolvConf, serviceDnsNames } from '../../../../scripts/targets/binary/network/podResolverFiles.ts';

describe('the address scheme', () => {
  it('keeps components and pods in the pod network and Services in the Service CIDR, all distinct, all in 198.18.0.0/15', () => {
    const components = Array.from({ length: MAX_COMPONENTS }, (_, i) => componentAddress(i));
    const pods = Array.from({ length: MAX_PODS }, (_, i) => podAddress(i));
    const services = Array.from({ length: MAX_SERVICES }, (_, i) => serviceAddress(i));
    const all = [NODE_ADDRESS, ...components, ...pods, ...services];
    expect(new Set(all).size).toBe(all.length);
    expect(all.every((ip) => inCidr(ip, BENCHMARK_RANGE))).toBe(true);
    expect([...components, ...pods].every((ip) => interfaceAddressProblem(ip) === undefined)).toBe(true);
    expect(services.every((ip) => inCidr(ip, SERVICE_CIDR) && !inCidr(ip, POD_CIDR))).toBe(true);
    expect([componentAddress(0), podAddress(0), podAddress(250), serviceAddress(0)]).toEqual(['198.18.255.1', '198.18.16.1', '198.18.17.1', '198.19.0.16']);
    // Fixed ClusterIPs stay in the lower band kube-apiserver keeps for them (256 addresses of a /16) and off .1.
    expect(services.every((ip) => ip.startsWith('198.19.0.') && ip !== '198.19.0.1')).toBe(true);
  });

  it('refuses out-of-range indexes and addresses no interface may carry', () => {
    expect(() => componentAddress(MAX_COMPONENTS)).toThrow(`component index ${MAX_COMPONENTS} out of range`);
    expect(() => podAddress(-1)).toThrow('pod index -1 out of range');
    expect(interfaceAddressProblem('10.0.0.1')).toBe(
      "10.0.0.1 is outside the pod network 198.18.0.0/16 (the binary target's addresses stay in the benchmark range 198.18.0.0/15)",
    );
    expect(interfaceAddressProblem('198.19.0.16')).toMatch(/outside the pod network/);
    expect(interfaceAddressProblem(NODE_ADDRESS)).toBe("198.18.0.1 is the node's own address");
    expect(interfaceAddressProblem('198.18.255.255')).toMatch(/broadcast/);
    expect(() => inCidr('198.18.300.1', POD_CIDR)).toThrow('"198.18.300.1" is not an IPv4 address');
  });
});

describe("a pod's name-resolution files", () => {
  it('names the pod as the kubelet does: hostname, subdomain FQDN, the 63-character cut', () => {
    expect(podHostnameAndDomain({ name: 'client-0', namespace: 'ns' })).toEqual({ hostname: 'client-0', domain: '' });
    expect(podHostnameAndDomain({ name: 'p', namespace: 'ns', hostname: 'h', subdomain: 'sub' })).toEqual({
      hostname: 'h',
      domain: 'sub.ns.svc.cluster.local',
    });
    const long = `${'a'.repeat(62)}-b`;
    expect(podHostnameAndDomain({ name: long, namespace: 'ns' }).hostname).toBe('a'.repeat(62));
    expect(kubeletHostsFile(['198.18.16.1'], 'h', 'sub.ns.svc.cluster.local', [])).toContain('198.18.16.1\th.sub.ns.svc.cluster.local\th\n');
    expect(kubeletHostsFile(['198.18.16.1'], 'h', '', [])).not.toContain('HostAliases');
  });

  it("writes the kubelet's ClusterFirst resolv.conf with the pod's own loopback as nameserver, and every Service name form", () => {
    expect(podResolvConf('shoot--a')).toBe('search shoot--a.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\noptions ndots:5\n');
    expect(serviceDnsNames('kube-apiserver', 'shoot--a', 'garden')).toEqual([
      'kube-apiserver.shoot--a.svc.cluster.local',
      'kube-apiserver.shoot--a.svc',
      'kube-apiserver.shoot--a',
    ]);
    expect(serviceDnsNames('kube-apiserver', 'shoot--a', 'shoot--a')).toContain('kube-apiserver');
  });
});
