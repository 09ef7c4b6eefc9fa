// The node's network namespace (docs/binary-target-network.md#the-node-namespace): it plays the Kubernetes node.
// Its bridge `cbr0` (kubenet's name) carries the node address 198.18.0.1/16 and, as /32 addresses, every component's
// own address; pods' veths are ports of the bridge. Routes: the pod network on the bridge (the kernel's connected
// route) and the Service CIDR on the bridge, so that a connection to a ClusterIP has a route when it is made and
// kube-proxy's OUTPUT DNAT can rewrite it. Nothing else: no default route, no link to any other namespace than the
// run's pods. IPv6 is off on every interface but loopback (net.ipv6.conf.default.disable_ipv6, set in this namespace
// only, before the interfaces exist), so there are no link-local routes either. Pods reach Services whose endpoints
// are other pods (the replicas' etcd, the gateway pods, the webhook), as on a kubenet or kind node: the node forwards
// between its bridge ports (net.ipv4.ip_forward=1 in this namespace; it has no route out, so nothing can leave), and
// bridged frames cross iptables (net.bridge.bridge-nf-call-iptables=1, br_netfilter), so that the reply of a pod that
// a Service DNAT sent a connection to, which goes straight back over the bridge, is un-NATed by conntrack.
import fs from 'node:fs';
import { interfaceAddressProblem, NODE_ADDRESS, POD_PREFIX_LENGTH, SERVICE_CIDR } from './addresses.ts';
import { enterNamespace, requireHostTool, run } from './hostTools.ts';

export const BRIDGE = 'cbr0';
const BRIDGE_NF_CALL_IPTABLES = '/proc/sys/net/bridge/bridge-nf-call-iptables';

export interface NodeNamespace {
  name: string;
  /** The prefix a process runs under to be inside it (ManagedProcess `prefix`, the pod helper's `enterNetwork`). */
  enter: string[];
  /** Component addresses added so far. */
  addresses(): string[];
  /** Adds a component address to the bridge (/32). */
  addAddress(ip: string): Promise<void>;
  removeAddress(ip: string): Promise<void>;
}

/** Creates the namespace, its loopback, the bridge with the node address, and the Service CIDR route. */
export async function createNodeNamespace(name: string): Promise<NodeNamespace> {
  await run('ip', ['netns', 'add', name]);
  const inside = (args: string[]) => run('ip', ['-n', name, ...args]);
  await disableIpv6(name);
  await forwardAndFilterBridgedFrames(name);
  await inside(['link', 'set', 'lo', 'up']);
  await inside(['link', 'add', BRIDGE, 'type', 'bridge']);
  await inside(['addr', 'add', `${NODE_ADDRESS}/${POD_PREFIX_LENGTH}`, 'dev', BRIDGE]);
  await inside(['link', 'set', BRIDGE, 'up']);
  await inside(['route', 'add', SERVICE_CIDR, 'dev', BRIDGE, 'src', NODE_ADDRESS]);
  const added = new Set<string>();
  return {
    name,
    enter: enterNamespace(name),
    addresses: () => [...added],
    async addAddress(ip) {
      const problem = interfaceAddressProblem(ip);
      if (problem) throw new Error(`component address: ${problem}`);
      if (added.has(ip)) return;
      await inside(['addr', 'add', `${ip}/32`, 'dev', BRIDGE]);
      added.add(ip);
    },
    async removeAddress(ip) {
      if (!added.delete(ip)) return;
      await inside(['addr', 'del', `${ip}/32`, 'dev', BRIDGE]);
    },
  };
}

/**
 * Forwarding between the bridge's ports, and bridged frames through iptables: what kube-proxy needs on a bridge node
 * when a Service's endpoint is a pod (kubenet's requirement; kind's nodes have the same). Both per namespace.
 */
async function forwardAndFilterBridgedFrames(namespace: string): Promise<void> {
  const sysctl = (setting: string) => run('ip', ['netns', 'exec', namespace, requireHostTool('sysctl'), '-q', '-w', setting]);
  await sysctl('net.ipv4.ip_forward=1');
  if (!fs.existsSync(BRIDGE_NF_CALL_IPTABLES))
    throw new Error(
      'br_netfilter is not loaded (no /proc/sys/net/bridge): a pod could not reach a Service whose endpoint is a pod; load it with modprobe br_netfilter',
    );
  await sysctl('net.bridge.bridge-nf-call-iptables=1');
}

/** IPv6 off for every interface created in the namespace from now on (its loopback keeps ::1). */
export async function disableIpv6(namespace: string): Promise<void> {
  await run('ip', ['netns', 'exec', namespace, requireHostTool('sysctl'), '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1']);
}
