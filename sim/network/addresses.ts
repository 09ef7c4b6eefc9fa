// The address plan of one simulated cluster. Every replica, gateway pod, Service VIP and client pod has its own
// loopback IP in 127.<block>.0.0/16, so per-connection balancing, source addresses and policies are real, and
// two clusters (e.g. parallel tests) never collide: each holds a lease socket on its block while it runs.
import net from 'node:net';

/** Ports below 1024 need privileges; the simulator binds them at port + offset (a documented knob). */
export const DEFAULT_PRIVILEGED_PORT_OFFSET = 10_000;
const LEASE_PORT = 10_999;
const FIRST_BLOCK = 100;
const LAST_BLOCK = 249;

export interface AddressPlan {
  /** Second octet of the cluster's 127.<block>.0.0/16. */
  block: number;
  privilegedPortOffset: number;
}

/** Service ClusterIPs (VIPs). Index 0 is the kube-apiserver Service, 1 the istio internal gateway Service. */
export function serviceIp(plan: AddressPlan, index: number): string {
  return ip(plan, 0, 1 + index);
}

/** kube-apiserver replica pod IPs. */
export function replicaIp(plan: AddressPlan, index: number): string {
  return ip(plan, 1, 1 + index);
}

/** Istio ingress gateway pod IPs. */
export function gatewayPodIp(plan: AddressPlan, index: number): string {
  return ip(plan, 2, 1 + index);
}

/** System pods: the webhook (gardener-resource-manager) and pod proxies for external tools. */
export function systemPodIp(plan: AddressPlan, index: number): string {
  return ip(plan, 3, 1 + index);
}

/** Client pod IPs: 127.<block>.16.1 onwards, up to 60,000 pods. */
export function clientPodIp(plan: AddressPlan, index: number): string {
  if (index < 0 || index >= 60_000) throw new RangeError(`client pod index ${index} out of range`);
  return ip(plan, 16 + Math.floor(index / 250), 1 + (index % 250));
}

/** The port a listener actually binds for a Kubernetes port number (443 -> 10443 with the default offset). */
export function hostPort(plan: AddressPlan, port: number): number {
  return mapPrivilegedPort(port, plan.privilegedPortOffset);
}

/** The same mapping when only the offset is at hand (components get the offset, not the whole plan). */
export function mapPrivilegedPort(port: number, privilegedPortOffset: number): number {
  return port < 1024 ? port + privilegedPortOffset : port;
}

function ip(plan: AddressPlan, third: number, fourth: number): string {
  if (fourth < 1 || fourth > 254) throw new RangeError(`address index out of range (${third}.${fourth})`);
  return `127.${plan.block}.${third}.${fourth}`;
}

export interface AddressLease {
  plan: AddressPlan;
  release(): Promise<void>;
}

/**
 * Reserves a /16 for one cluster by listening on 127.<block>.0.254:10999. Another cluster on this machine holding
 * the same block makes the bind fail, and we try the next one. `preferredBlock` pins the block (for replayable
 * addresses); it fails with a clear message if that block is taken.
 */
export async function leaseAddressBlock(options: { preferredBlock?: number; privilegedPortOffset?: number } = {}): Promise<AddressLease> {
  const offset = options.privilegedPortOffset ?? DEFAULT_PRIVILEGED_PORT_OFFSET;
  const candidates = options.preferredBlock !== undefined ? [options.preferredBlock] : shuffledBlocks();
  let lastError: Error | undefined;
  for (const block of candidates) {
    const server = net.createServer((socket) => socket.destroy());
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(LEASE_PORT, `127.${block}.0.254`, () => resolve());
      });
      server.unref();
      return {
        plan: { block, privilegedPortOffset: offset },
        release: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    } catch (error) {
      lastError = error as Error;
    }
  }
  if (options.preferredBlock !== undefined) {
    throw new Error(`address block 127.${options.preferredBlock}.0.0/16 is in use (${lastError?.message}); is another simulated cluster running?`);
  }
  throw new Error(`no free address block in 127.${FIRST_BLOCK}-${LAST_BLOCK}.0.0/16: ${lastError?.message}`);
}

function shuffledBlocks(): number[] {
  const blocks = Array.from({ length: LAST_BLOCK - FIRST_BLOCK + 1 }, (_, i) => FIRST_BLOCK + i);
  for (let i = blocks.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [blocks[i], blocks[j]] = [blocks[j]!, blocks[i]!];
  }
  return blocks;
}
