// The address scheme of the binary target's network (docs/binary-target-network.md#addresses): every address lives in
// RFC 2544's benchmark range 198.18.0.0/15, which no real network routes, inside network namespaces the run created.
// - the pod network 198.18.0.0/16 on the node's bridge, the node itself at 198.18.0.1 (kubenet's cbr0 gateway);
// - components (etcd, kube-apiservers, Envoy gateway pods, the webhook, kube-proxy's servers) at 198.18.255.x, as
//   addresses of the node's bridge: pods of the node that share its network namespace;
// - client pods from 198.18.16.1 on, each in its own namespace (the same layout as scripts/cluster/addresses.ts
//   clientPodIp, so a plan's client pod addresses fit);
// - ClusterIPs in the Service CIDR 198.19.0.0/16, which only kube-proxy's DNAT rules give a meaning.
// Pure functions: nothing here touches the kernel.

export const BENCHMARK_RANGE = '198.18.0.0/15';
export const POD_CIDR = '198.18.0.0/16';
export const POD_PREFIX_LENGTH = 16;
/** The node's own address on its bridge: every pod's gateway to the Service CIDR. */
export const NODE_ADDRESS = '198.18.0.1';
export const SERVICE_CIDR = '198.19.0.0/16';
/** The first address of the Service CIDR: kube-apiserver gives it to `default/kubernetes` (pkg/controlplane). */
export const KUBERNETES_SERVICE_ADDRESS = '198.19.0.1';

const COMPONENT_THIRD_OCTET = 255;
/** Components: 198.18.255.1 … 198.18.255.254. */
export const MAX_COMPONENTS = 254;
const FIRST_POD_THIRD_OCTET = 16;
const PODS_PER_OCTET = 250;
/** Pods: 198.18.16.1 … 198.18.254.250 (the /24s 0–15 stay free for a plan's own system addresses). */
export const MAX_PODS = (COMPONENT_THIRD_OCTET - FIRST_POD_THIRD_OCTET) * PODS_PER_OCTET;
/**
 * Fixed ClusterIPs: 198.19.0.16 … 198.19.0.254. kube-apiserver allocates dynamic ClusterIPs from above the first
 * min(max(16, size/16), 256) addresses of the range and keeps that lower band for fixed ones (KEP-3070;
 * pkg/registry/core/service/ipallocator/bitmap.go calculateRangeOffset: 256 for a /16), so these never collide with a
 * ClusterIP it picks itself; .1 is `default/kubernetes`.
 */
const FIRST_SERVICE_HOST = 16;
export const MAX_SERVICES = 255 - FIRST_SERVICE_HOST;

/** The address of component `index` (0-based) in the node's namespace: 198.18.255.<index + 1>. */
export function componentAddress(index: number): string {
  checkIndex('component', index, MAX_COMPONENTS);
  return `198.18.${COMPONENT_THIRD_OCTET}.${index + 1}`;
}

/** The address of pod `index` (0-based): 198.18.<16 + index / 250>.<1 + index % 250>. */
export function podAddress(index: number): string {
  checkIndex('pod', index, MAX_PODS);
  return `198.18.${FIRST_POD_THIRD_OCTET + Math.floor(index / PODS_PER_OCTET)}.${1 + (index % PODS_PER_OCTET)}`;
}

/** A fixed ClusterIP for Service `index` (0-based): 198.19.0.<16 + index>. */
export function serviceAddress(index: number): string {
  checkIndex('service', index, MAX_SERVICES);
  return `198.19.0.${FIRST_SERVICE_HOST + index}`;
}

/** The 32-bit value of a dotted IPv4 address; throws on anything else. */
export function ipv4ToNumber(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255))
    throw new Error(`${JSON.stringify(ip)} is not an IPv4 address`);
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** Whether `ip` lies in `cidr` (a.b.c.d/len). */
export function inCidr(ip: string, cidr: string): boolean {
  const [base, lengthText] = cidr.split('/');
  const length = Number(lengthText);
  if (!Number.isInteger(length) || length < 0 || length > 32) throw new Error(`${JSON.stringify(cidr)} is not an IPv4 CIDR`);
  const size = 2 ** (32 - length);
  return Math.floor(ipv4ToNumber(ip) / size) === Math.floor(ipv4ToNumber(base!) / size);
}

/**
 * Why `ip` cannot be an address of the node's or a pod's interface, or undefined when it can: it must be a host
 * address of the pod network (neither its network nor its broadcast address) other than the node's own.
 */
export function interfaceAddressProblem(ip: string): string | undefined {
  if (!inCidr(ip, POD_CIDR))
    return `${ip} is outside the pod network ${POD_CIDR} (the binary target's addresses stay in the benchmark range ${BENCHMARK_RANGE})`;
  const n = ipv4ToNumber(ip) - ipv4ToNumber('198.18.0.0');
  if (n === 0 || n === 2 ** (32 - POD_PREFIX_LENGTH) - 1) return `${ip} is the network or broadcast address of ${POD_CIDR}`;
  if (ip === NODE_ADDRESS) return `${ip} is the node's own address`;
  return undefined;
}

function checkIndex(what: string, index: number, max: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= max) throw new RangeError(`${what} index ${index} out of range (0 … ${max - 1})`);
}
