// The node's network namespace (docs/binary-target-network.md#the-node-namespace): it plays the Kubernetes node.
// Its bridge `cbr0` (kubenet's name) carries the node address 198.18.0.1/16 and, as /32 addresses, every component's
// own address; pods' veths are ports of the bridge. Routes: the pod network on the bridge (the kernel's connected
// route) and the Service CIDR on the bridge, so that a connection to a ClusterIP has a route when it is made and
// kube-proxy's OUTPUT DNAT can rewrite it. Nothing else: no default route, no link to any other namespace than the
// run's pods. IPv6 is off on every interface but loopback (net.ipv6.conf.default.disable_ipv6, set in this namespace
// only, before the interfaces exist), so there are no link-local routes either. IP forwarding stays off (the kernel's
// default in a new namespace): every endpoint is an address of the node, nothing is routed through it. Bridged frames
// skip iptables (net.bridge.bridge-nf-call-iptables=0 in this namespace): a pod's packet to a ClusterIP is routed.
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
  await bridgeFramesSkipIptables(name);
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
 * With br_netfilter loaded, frames that a bridge forwards between its ports also cross iptables; the node's traffic to
 * a ClusterIP is routed, not bridged, and never needs that. Turned off inside the namespace (per namespace since Linux
 * 5.3), so the node behaves the same whether the machine has the module loaded or not.
 */
async function bridgeFramesSkipIptables(namespace: string): Promise<void> {
  if (!fs.existsSync(BRIDGE_NF_CALL_IPTABLES)) return;
  await run('ip', ['netns', 'exec', namespace, requireHostTool('sysctl'), '-q', '-w', 'net.bridge.bridge-nf-call-iptables=0']);
}

/** IPv6 off for every interface created in the namespace from now on (its loopback keeps ::1). */
export async function disableIpv6(namespace: string): Promise<void> {
  await run('ip', ['netns', 'exec', namespace, requireHostTool('sysctl'), '-q', '-w', 'net.ipv6.conf.default.disable_ipv6=1']);
}
