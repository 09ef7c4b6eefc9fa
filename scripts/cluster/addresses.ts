// The address plan of one simulated cluster (docs/architecture.md#addresses). Every replica, gateway pod, Service VIP
// and client pod has its own loopback IP in 127.<block>.0.0/16, so per-connection balancing, source addresses and
// network policy are real, and two clusters (parallel tests) never collide: the local target leases a block while a
// cluster runs (scripts/targets/local/addressLease.ts). Pure functions: nothing here opens a socket.

/** Ports below 1024 need privileges; the simulator binds them at port + offset (a documented knob). */
export const DEFAULT_PRIVILEGED_PORT_OFFSET = 10_000;
/** The /16 blocks the local target may lease: 127.100.0.0/16 … 127.249.0.0/16. */
export const FIRST_ADDRESS_BLOCK = 100;
export const LAST_ADDRESS_BLOCK = 249;

export interface AddressPlan {
  /** Second octet of the cluster's 127.<block>.0.0/16. */
  block: number;
  /**
   * The first two octets of the cluster's /16 when it is not on loopback: the binary target puts its cluster in
   * 198.18.0.0/16 (RFC 2544's benchmark range) inside network namespaces of its own, where kube-proxy can DNAT to it
   * and EndpointSlices may hold it (docs/binary-target-network.md). Absent: 127.<block>.
   */
  prefix?: string;
  /** With `prefix`: the first two octets of the Service VIPs' /16 (`198.19`, the other half of RFC 2544's range). */
  servicePrefix?: string;
  privilegedPortOffset: number;
  /**
   * Which control plane of the seed this plan describes: 0 the one under test, 1.. its neighbours
   * (docs/architecture.md#addresses). Only its replica IPs and its kube-apiserver VIP depend on it; gateway pods,
   * system pods and client pods are the seed's and the same in every plan of one seed.
   */
  controlPlaneSlot?: number;
}

/** Replica IPs each control plane's slot holds (the scenario maximum of replicas). */
export const REPLICAS_PER_SLOT = 16;
/** Control-plane slots per third octet of replica IPs (15 × 16 = 240 addresses of 254). */
const SLOTS_PER_OCTET = 15;
/**
 * Third octets that hold replica IPs: 1 (slots 0–14, the control plane under test and its first 14 neighbours, as
 * every earlier version had them), then 4–15 (slots 15–194), between the system pods (3) and the client pods (16..).
 */
const REPLICA_OCTETS = [1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
/**
 * Control planes one address block holds: the one under test and 194 neighbours. The replica octets bound it; the
 * Service VIPs (`127.B.0.<3+k>` for neighbour k) would hold 251.
 */
export const MAX_CONTROL_PLANES = REPLICA_OCTETS.length * SLOTS_PER_OCTET;

/** Service ClusterIPs (VIPs). Index 0 is the kube-apiserver Service under test, 1 the istio internal gateway Service, 2.. neighbours. */
export function serviceIp(plan: AddressPlan, index: number): string {
  // Off loopback the VIPs have a /16 of their own (a real kube-apiserver's Service range), whose first address it
  // gives its own `default/kubernetes` Service: the plan's VIPs start one later, in the range's static band, which
  // dynamic allocation avoids (KEP-3070).
  if (plan.servicePrefix) return `${plan.servicePrefix}.0.${2 + index}`;
  return ip(plan, 0, 1 + index);
}

/** The kube-apiserver Service VIP of the plan's control plane: index 0 for the one under test, 2.. for neighbours. */
export function kubeApiserverServiceIp(plan: AddressPlan): string {
  const slot = plan.controlPlaneSlot ?? 0;
  return serviceIp(plan, slot === 0 ? 0 : 1 + slot);
}

/**
 * kube-apiserver replica pod IPs: slot s's 16 addresses are 127.<block>.<octet>.<1 + 16 × (s mod 15) + index>, its
 * octet the (s div 15)-th of REPLICA_OCTETS (slot 0: 127.B.1.1–16; slot 15: 127.B.4.1–16).
 */
export function replicaIp(plan: AddressPlan, index: number): string {
  if (index < 0 || index >= REPLICAS_PER_SLOT) throw new RangeError(`replica index ${index} out of range (at most ${REPLICAS_PER_SLOT} per control plane)`);
  const slot = plan.controlPlaneSlot ?? 0;
  const octet = REPLICA_OCTETS[Math.floor(slot / SLOTS_PER_OCTET)];
  if (slot < 0 || octet === undefined)
    throw new RangeError(`control-plane slot ${slot} out of range (one address block holds ${MAX_CONTROL_PLANES} control planes)`);
  return ip(plan, octet, 1 + (slot % SLOTS_PER_OCTET) * REPLICAS_PER_SLOT + index);
}

/** Istio ingress gateway pod IPs. */
export function gatewayPodIp(plan: AddressPlan, index: number): string {
  return ip(plan, 2, 1 + index);
}

/** System pods: the seed kube-apiserver, the webhook (gardener-resource-manager) and pod proxies for external tools. */
export function systemPodIp(plan: AddressPlan, index: number): string {
  return ip(plan, 3, 1 + index);
}

/** Client pod IPs: 127.<block>.16.1 onwards, up to 60,000 pods. */
export function clientPodIp(plan: AddressPlan, index: number): string {
  if (index < 0 || index >= 60_000) throw new RangeError(`client pod index ${index} out of range`);
  return ip(plan, 16 + Math.floor(index / 250), 1 + (index % 250));
}

function ip(plan: AddressPlan, third: number, fourth: number): string {
  if (fourth < 1 || fourth > 254) throw new RangeError(`address index out of range (${third}.${fourth})`);
  return `${plan.prefix ?? `127.${plan.block}`}.${third}.${fourth}`;
}
