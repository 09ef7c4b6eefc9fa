// How a test sees a running local cluster from outside, on real sockets: connections through a Service VIP and where
// kube-proxy sent them, requests through a gateway pod and where the gateway sent them (its per-host counters), and a
// session straight to one replica with how it ends. For the local target's tests, whatever runs its gateway pods.
import net from 'node:net';
import { expect } from 'vitest';
import { pollUntil } from '../../scripts/core/poll.ts';
import type { LocalCluster } from '../../scripts/targets/local/localCluster.ts';
import { connect, h2request } from './h2.ts';

export type ServiceKey = 'kubeApiserver' | 'gatewayInternal';

/** Connections kube-proxy has sent to each endpoint of a Service (its per-backend counters). */
async function vipConnections(c: LocalCluster, service: ServiceKey): Promise<Record<string, number>> {
  const spec = c.plan.services[service];
  const stats = (await c.networkStats()).kubeProxy.find((s) => s.service === `${spec.namespace}/${spec.name}`)!;
  return Object.fromEntries(Object.entries(stats.backends).map(([name, b]) => [name, b.opened]));
}

/** Opens `n` TCP connections to a Service VIP, each closed at once; returns where kube-proxy sent them. */
export async function connectThroughVip(c: LocalCluster, n: number, service: ServiceKey = 'kubeApiserver'): Promise<Record<string, number>> {
  const before = await vipConnections(c, service);
  const vip = c.plan.services[service];
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect({ host: vip.clusterIP, port: vip.listenPort }, () => {
        socket.destroy();
        resolve();
      });
      socket.on('error', () => resolve());
    });
  }
  const after = await pollUntil(
    () => vipConnections(c, service),
    (counts) => sum(counts) - sum(before) >= n,
    { timeoutMs: 3000, what: `${n} connections through the ${vip.name} VIP` },
  );
  return Object.fromEntries(Object.keys(after).map((name) => [name, after[name]! - (before[name] ?? 0)]));
}

/** Requests the gateway pods sent to each replica, per host. */
export async function gatewayRequests(c: LocalCluster): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const g of (await c.networkStats()).gateways)
    for (const [host, h] of Object.entries(g.clusters.default ?? {})) out[host] = (out[host] ?? 0) + h.requests;
  return out;
}

/** Sends `n` requests through the first gateway pod and returns where they went. */
export async function throughGateway(c: LocalCluster, n: number): Promise<Record<string, number>> {
  const before = await gatewayRequests(c);
  const pod = c.gatewayPods[0]!;
  const session = await connect(`https://${pod.ip}:${pod.port}`, { ca: c.certificates.authorities.ca.certPem, servername: c.plan.publicHost });
  try {
    for (let i = 0; i < n; i++) expect((await h2request(session, { ':method': 'GET', ':path': '/version', ':authority': c.plan.publicHost })).status).toBe(200);
  } finally {
    session.close();
  }
  const after = await gatewayRequests(c);
  return Object.fromEntries(Object.keys(after).map((name) => [name, after[name]! - (before[name] ?? 0)]));
}

export function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** A session straight to one replica and a promise of how it ends. */
export async function sessionTo(c: LocalCluster, replica: string) {
  const endpoint = c.replicaEndpoints().find((r) => r.name === replica)!;
  const session = await connect(`https://${endpoint.ip}:${endpoint.port}`, { ca: c.certificates.authorities.ca.certPem, servername: 'kube-apiserver' });
  const ended = new Promise<string>((resolve) => {
    session.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    session.on('goaway', () => resolve('GOAWAY'));
    session.on('close', () => resolve('closed'));
  });
  return { session, ended };
}

/**
 * The timeline's add-gateway and remove-gateway as a client and kube-proxy see them: the pods after the addition, the
 * connections kube-proxy sent the new pod (of 40), the answer of one request straight to it, how that client's session
 * ended when the pod was deleted, and the connections kube-proxy sent it afterwards (of 30).
 */
export async function addAndDeleteGatewayPod(c: LocalCluster) {
  await c.apply({ type: 'add-gateway' });
  const pods = c.gatewayPods.map((g) => g.name);
  const toNewPod = (await connectThroughVip(c, 40, 'gatewayInternal'))['istio-ingressgateway-2'] ?? 0;
  const pod = c.gatewayPods[2]!;
  const session = await connect(`https://${pod.ip}:${pod.port}`, { ca: c.certificates.authorities.ca.certPem, servername: c.plan.publicHost });
  const { status } = await h2request(session, { ':method': 'GET', ':path': '/version', ':authority': c.plan.publicHost });
  const ended = new Promise<string>((resolve) => {
    session.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    session.on('close', () => resolve('closed'));
  });
  await c.apply({ type: 'remove-gateway', pod: pod.name });
  const end = await ended;
  const afterDeletion = (await connectThroughVip(c, 30, 'gatewayInternal'))['istio-ingressgateway-2'] ?? 0;
  return { pod, pods, toNewPod, status, ended: end, afterDeletion };
}

/** Whether a TCP connection to host:port is refused (nothing listens there). */
export function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}
