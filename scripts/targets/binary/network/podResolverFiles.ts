// The name-resolution files of a pod's network namespace (docs/binary-target-network.md#pod-namespaces), which
// `ip netns exec` bind-mounts over /etc/hosts, /etc/resolv.conf and /etc/nsswitch.conf for every process of the pod:
// - hosts: byte for byte what the kubelet writes (kubernetes v1.34.10 pkg/kubelet/kubelet_pods.go
//   managedHostsFileContent + hostsEntriesFromHostAliases; hostname and domain from GeneratePodHostNameAndDomain),
//   then a section of "cluster DNS" entries the target adds, because no DNS server runs: those answer what CoreDNS
//   would for a Service name. The hostAliases come first, so they win as they do in a real pod (files before dns);
// - resolv.conf: the kubelet's ClusterFirst form (pkg/kubelet/network/dns/dns.go: search
//   <ns>.svc.<domain> svc.<domain> <domain>, options ndots:5), with the pod's own loopback as nameserver: nothing
//   listens there, so a name the hosts file does not hold fails at once (connection refused) and no DNS packet ever
//   leaves the pod;
// - nsswitch.conf: `hosts: files dns`, as in the Debian-based images, so the machine's own nsswitch (mdns,
//   myhostname) cannot answer for the pod.
// Pure functions: the pod module writes them.
import type { HostAlias } from '../../../core/hostAlias.ts';

/** A name → address a cluster DNS server would answer (e.g. `kube-apiserver` → its ClusterIP). */
export interface ClusterDnsEntry {
  ip: string;
  names: string[];
}

export interface PodIdentity {
  name: string;
  namespace: string;
  /** spec.hostname (default: the pod name). */
  hostname?: string;
  /** spec.subdomain: gives the pod the FQDN <hostname>.<subdomain>.<namespace>.svc.<clusterDomain>. */
  subdomain?: string;
}

export const CLUSTER_DOMAIN = 'cluster.local';
/** Where the pod's resolver is pointed: its own loopback, where nothing listens. */
export const POD_NAMESERVER = '127.0.0.1';

const MAX_HOSTNAME = 63;

/** The pod's hostname and domain, as GeneratePodHostNameAndDomain computes them (without HostnameOverride). */
export function podHostnameAndDomain(pod: PodIdentity, clusterDomain = CLUSTER_DOMAIN): { hostname: string; domain: string } {
  let hostname = pod.hostname || pod.name;
  // truncatePodHostnameIfNeeded: cut to 63 characters, then drop trailing '-' and '.'.
  if (hostname.length > MAX_HOSTNAME) hostname = hostname.slice(0, MAX_HOSTNAME).replace(/[-.]+$/, '');
  const domain = pod.subdomain ? `${pod.subdomain}.${pod.namespace}.svc.${clusterDomain}` : '';
  return { hostname, domain };
}

/** The kubelet's /etc/hosts of a pod (not host network). */
export function kubeletHostsFile(podIps: string[], hostname: string, domain: string, hostAliases: HostAlias[]): string {
  let out = '# Kubernetes-managed hosts file.\n';
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIps) out += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  if (hostAliases.length > 0) {
    out += '\n# Entries added by HostAliases.\n';
    for (const alias of hostAliases) out += `${alias.ip}\t${alias.hostnames.join('\t')}\n`;
  }
  return out;
}

/** The section after the kubelet's part: what cluster DNS would answer, in the same `ip<TAB>names` form. */
export function clusterDnsSection(entries: ClusterDnsEntry[]): string {
  if (entries.length === 0) return '';
  let out = '\n# Cluster DNS (no DNS server runs in the binary target; docs/binary-target-network.md#names).\n';
  for (const entry of entries) out += `${entry.ip}\t${entry.names.join('\t')}\n`;
  return out;
}

/**
 * The names cluster DNS gives a Service: `<svc>.<ns>.svc.<domain>`, and through the search path `<svc>.<ns>`,
 * `<svc>.<ns>.svc` and, from a pod of the same namespace, `<svc>`. A hosts file has no search path, so every form a
 * client may use is listed.
 */
export function serviceDnsNames(service: string, serviceNamespace: string, podNamespace: string, clusterDomain = CLUSTER_DOMAIN): string[] {
  const names = [`${service}.${serviceNamespace}.svc.${clusterDomain}`, `${service}.${serviceNamespace}.svc`, `${service}.${serviceNamespace}`];
  if (serviceNamespace === podNamespace) names.push(service);
  return names;
}

/** The kubelet's resolv.conf for dnsPolicy ClusterFirst, with the pod-local nameserver. */
export function podResolvConf(podNamespace: string, clusterDomain = CLUSTER_DOMAIN): string {
  return `search ${podNamespace}.svc.${clusterDomain} svc.${clusterDomain} ${clusterDomain}\nnameserver ${POD_NAMESERVER}\noptions ndots:5\n`;
}

export const POD_NSSWITCH = 'hosts: files dns\n';
