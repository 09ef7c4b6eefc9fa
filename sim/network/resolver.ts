// Name resolution as a pod sees it. kubelet writes hostAliases into the pod's /etc/hosts, and glibc/Go consult
// /etc/hosts before DNS. DNS uses the pod's resolv.conf: search `<ns>.svc.<domain> svc.<domain> <domain>` with
// ndots:5, answered by cluster DNS for Service names. The simulator has no upstream DNS: a public name resolves
// only through a hostAlias (which is exactly what Gardener's webhook adds).
import net from 'node:net';
import type { HostAlias } from '../../scripts/core/hostAlias.ts';
import type { ServiceRecord } from '../../scripts/core/service.ts';

export interface PodNetworkView {
  namespace: string;
  hostAliases?: HostAlias[];
}

export type Resolution = { ip: string; via: 'literal' | 'hostAliases' | 'cluster-dns'; name: string } | { ip: undefined; via: 'nxdomain'; tried: string[] };

const NDOTS = 5;

/** Resolves a host name for a pod; never throws. `tried` lists the names asked of cluster DNS. */
export function resolveForPod(host: string, pod: PodNetworkView, services: readonly ServiceRecord[], clusterDomain = 'cluster.local'): Resolution {
  const name = host.replace(/\.$/, '').toLowerCase();
  if (net.isIP(name)) return { ip: name, via: 'literal', name };

  // /etc/hosts: kubelet appends hostAliases in spec order; the first matching line wins.
  for (const alias of pod.hostAliases ?? []) {
    if (alias.hostnames.some((h) => h.toLowerCase() === name)) return { ip: alias.ip, via: 'hostAliases', name };
  }

  const absolute = host.endsWith('.');
  const dots = name.split('.').length - 1;
  const search = [`${pod.namespace}.svc.${clusterDomain}`, `svc.${clusterDomain}`, clusterDomain];
  const candidates = absolute ? [name] : dots >= NDOTS ? [name, ...search.map((s) => `${name}.${s}`)] : [...search.map((s) => `${name}.${s}`), name];
  for (const candidate of candidates) {
    const record = lookupService(candidate, services, clusterDomain);
    if (record) return { ip: record.clusterIP, via: 'cluster-dns', name: candidate };
  }
  return { ip: undefined, via: 'nxdomain', tried: candidates };
}

/** Cluster DNS: `<svc>.<ns>.svc.<domain>` is the Service's ClusterIP. */
function lookupService(fqdn: string, services: readonly ServiceRecord[], clusterDomain: string): ServiceRecord | undefined {
  const suffix = `.svc.${clusterDomain}`;
  if (!fqdn.endsWith(suffix)) return undefined;
  const parts = fqdn.slice(0, -suffix.length).split('.');
  if (parts.length !== 2) return undefined;
  const [name, namespace] = parts;
  return services.find((s) => s.name === name && s.namespace === namespace);
}
