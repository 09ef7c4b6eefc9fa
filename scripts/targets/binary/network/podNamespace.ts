// One pod's network namespace (docs/binary-target-network.md#pod-namespaces), as a CNI bridge plugin would make it:
// a veth pair whose node end is a port of the node's bridge and whose pod end is `eth0` with the pod IP in the pod
// network (/16, so the kernel adds the connected route), and one more route: the Service CIDR via the node's address,
// where kube-proxy's PREROUTING rules DNAT it. No default route. /etc/netns/<namespace>/ holds the pod's hosts,
// resolv.conf and nsswitch.conf (podResolverFiles.ts), which `ip netns exec` bind-mounts over /etc for every process
// started in it; the hosts file is rewritten in place (same inode) when cluster DNS entries change, so processes that
// already run see the new entries too.
import fs from 'node:fs';
import path from 'node:path';
import { interfaceAddressProblem, NODE_ADDRESS, POD_PREFIX_LENGTH, SERVICE_CIDR } from './addresses.ts';
import { enterNamespace, run } from './hostTools.ts';
import { BRIDGE, disableIpv6 } from './nodeNamespace.ts';
import {
  clusterDnsSection,
  kubeletHostsFile,
  podHostnameAndDomain,
  podResolvConf,
  POD_NSSWITCH,
  type ClusterDnsEntry,
  type PodIdentity,
} from './podResolverFiles.ts';
import type { HostAlias } from '../../../core/hostAlias.ts';

/** Where `ip netns exec` finds the files it bind-mounts over /etc (iproute2 ip/ipnetns.c, NETNS_ETC_DIR). */
export const NETNS_ETC_DIR = '/etc/netns';

export interface PodNetworkSpec extends PodIdentity {
  ip: string;
  /** The admitted pod's spec.hostAliases, in order. */
  hostAliases?: HostAlias[];
}

export interface PodNamespace {
  /** The network namespace's name. */
  name: string;
  ip: string;
  hostname: string;
  /** The node end of its veth pair (a port of the node's bridge). */
  nodeVeth: string;
  enter: string[];
  /** /etc/netns/<name>: removed with the namespace. */
  etcDir: string;
  /** Rewrites the hosts file with these cluster DNS entries after the kubelet's part. */
  setClusterDns(entries: ClusterDnsEntry[]): void;
}

/**
 * Creates the namespace `name` for `pod`, wired to the node namespace `node` through the veth `nodeVeth` (a name
 * unique in the node namespace, at most 15 characters).
 */
export async function createPodNamespace(
  name: string,
  node: string,
  nodeVeth: string,
  pod: PodNetworkSpec,
  clusterDns: ClusterDnsEntry[],
): Promise<PodNamespace> {
  const problem = interfaceAddressProblem(pod.ip);
  if (problem) throw new Error(`pod ${pod.namespace}/${pod.name}: ${problem}`);
  if (nodeVeth.length > 15) throw new Error(`interface name ${nodeVeth} is longer than 15 characters`);
  const { hostname, domain } = podHostnameAndDomain(pod);
  const etcDir = path.join(NETNS_ETC_DIR, name);
  const kubeletPart = kubeletHostsFile([pod.ip], hostname, domain, pod.hostAliases ?? []);
  const hostsPath = path.join(etcDir, 'hosts');
  const setClusterDns = (entries: ClusterDnsEntry[]) => fs.writeFileSync(hostsPath, kubeletPart + clusterDnsSection(entries));
  fs.mkdirSync(etcDir, { recursive: true });
  setClusterDns(clusterDns);
  fs.writeFileSync(path.join(etcDir, 'resolv.conf'), podResolvConf(pod.namespace));
  fs.writeFileSync(path.join(etcDir, 'nsswitch.conf'), POD_NSSWITCH);

  await run('ip', ['netns', 'add', name]);
  await disableIpv6(name);
  const inPod = (args: string[]) => run('ip', ['-n', name, ...args]);
  const inNode = (args: string[]) => run('ip', ['-n', node, ...args]);
  await inPod(['link', 'set', 'lo', 'up']);
  // The pod end's MAC follows from the pod IP (0a:58 and the four address bytes, as ovn-kubernetes and the ptp plugin
  // derive it): a pod that comes back with the same IP (a restarted replica) keeps its MAC, so the neighbour caches of
  // the node and the other pods stay right and their replies are not sent to a MAC that is gone.
  await inNode(['link', 'add', nodeVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'address', podMac(pod.ip), 'netns', name]);
  await inNode(['link', 'set', nodeVeth, 'master', BRIDGE]);
  await inNode(['link', 'set', nodeVeth, 'up']);
  await inPod(['addr', 'add', `${pod.ip}/${POD_PREFIX_LENGTH}`, 'dev', 'eth0']);
  await inPod(['link', 'set', 'eth0', 'up']);
  await inPod(['route', 'add', SERVICE_CIDR, 'via', NODE_ADDRESS, 'dev', 'eth0']);
  return { name, ip: pod.ip, hostname, nodeVeth, enter: enterNamespace(name), etcDir, setClusterDns };
}

/** `0a:58:c6:12:01:02` for 198.18.1.2. */
export function podMac(ip: string): string {
  return ['0a', '58', ...ip.split('.').map((b) => Number(b).toString(16).padStart(2, '0'))].join(':');
}
