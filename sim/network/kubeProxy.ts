// kube-proxy for the simulated cluster: a TCP listener on every Service VIP and port that picks a backend per NEW
// connection and pipes bytes (L4, no TLS, no HTTP). Faithful points:
// - backend choice per connection: iptables uniform random or ipvs round robin (backendChoice.ts);
// - the backend sees the client's own source address (iptables DNAT keeps it; here the backend leg binds the
//   client's IP as its local address);
// - TCP_NODELAY on both legs (without it the pipe collapses: reference/dependencies.md §1);
// - endpoints follow readiness: a new endpoint only gets new connections; a removed endpoint's connections are reset
//   when its pod went away (resetRemoved), and kept when it merely turned unready (conntrack keeps established flows);
// - no ready endpoint: the connection is refused (iptables REJECT), here an immediate reset.
import net from 'node:net';
import { isMainThread } from 'node:worker_threads';
import { Rng } from '../random.ts';
import type { ComponentFactory } from '../runtime/component.ts';
import { serveInWorker } from '../runtime/serveInWorker.ts';
import { mapPrivilegedPort } from './addresses.ts';
import { createBackendChooser, type BackendChooser, type KubeProxyMode } from './backendChoice.ts';
import { decideIngress, normalizeIp, type PodIdentity } from './networkPolicy.ts';
import { destroyWhenSettled, resetSocket } from './socketClose.ts';

export interface ServicePortSpec {
  name?: string;
  port: number;
  targetPort: number;
}

export interface EndpointSpec {
  /** Pod name, e.g. kube-apiserver-0. */
  name: string;
  ip: string;
}

export interface ServiceSpec {
  namespace: string;
  name: string;
  clusterIP: string;
  ports: ServicePortSpec[];
  endpoints: EndpointSpec[];
  /** Pods behind this Service only accept connections from pods with this label set to "allowed". */
  requiredPodLabel?: string;
}

export interface KubeProxyConfig {
  mode: KubeProxyMode;
  seed: number;
  privilegedPortOffset: number;
  services: ServiceSpec[];
  pods: PodIdentity[];
}

export interface KubeProxyInfo {
  listeners: { service: string; ip: string; port: number; hostPort: number }[];
}

export interface BackendConnectionStats {
  opened: number;
  active: number;
}

export interface ServiceProxyStats {
  service: string;
  backends: Record<string, BackendConnectionStats>;
  denied: number;
  refusedNoEndpoints: number;
}

interface TrackedConnection {
  client: net.Socket;
  upstream: net.Socket;
  endpoint: string;
}

class ServiceProxy {
  readonly key: string;
  private endpoints: EndpointSpec[];
  private readonly chooser: BackendChooser;
  private readonly connections = new Set<TrackedConnection>();
  /** Every socket until it has fully closed (a connection's second leg can outlive its first). */
  private readonly sockets = new Set<net.Socket>();
  readonly stats: ServiceProxyStats;

  constructor(
    readonly spec: ServiceSpec,
    mode: KubeProxyMode,
    rng: Rng,
    private readonly offset: number,
    private readonly pods: Map<string, PodIdentity>,
  ) {
    this.key = `${spec.namespace}/${spec.name}`;
    this.endpoints = [...spec.endpoints];
    this.chooser = createBackendChooser(mode, rng.fork(`kube-proxy/${this.key}`));
    this.stats = { service: this.key, backends: {}, denied: 0, refusedNoEndpoints: 0 };
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  accept(client: net.Socket, port: ServicePortSpec): void {
    this.track(client);
    client.setNoDelay(true);
    const source = normalizeIp(client.remoteAddress ?? '');
    const decision = decideIngress(this.spec.requiredPodLabel, source, this.pods);
    if (!decision.allowed) {
      this.stats.denied++;
      client.resetAndDestroy();
      return;
    }
    const index = this.chooser.choose(this.endpoints.length);
    if (index === undefined) {
      this.stats.refusedNoEndpoints++;
      client.resetAndDestroy();
      return;
    }
    const endpoint = this.endpoints[index]!;
    const backendStats = (this.stats.backends[endpoint.name] ??= { opened: 0, active: 0 });
    backendStats.opened++;
    backendStats.active++;
    const upstream = net.connect({
      host: endpoint.ip,
      port: mapPrivilegedPort(port.targetPort, this.offset),
      localAddress: source || undefined,
      noDelay: true,
    });
    this.track(upstream);
    const tracked: TrackedConnection = { client, upstream, endpoint: endpoint.name };
    this.connections.add(tracked);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      backendStats.active--;
      this.connections.delete(tracked);
    };
    // A reset on one leg becomes a reset on the other, as a dropped conntrack entry would look to both ends.
    upstream.on('error', () => { resetSocket(client); finish(); });
    client.on('error', () => { destroyWhenSettled(upstream, true); finish(); });
    upstream.on('close', () => { client.destroySoon(); finish(); });
    client.on('close', () => {
      if (upstream.connecting) destroyWhenSettled(upstream);
      else upstream.destroySoon();
      finish();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }

  setEndpoints(endpoints: EndpointSpec[], resetRemoved: boolean): void {
    const keep = new Set(endpoints.map((e) => e.name));
    this.endpoints = [...endpoints];
    if (!resetRemoved) return;
    for (const connection of [...this.connections]) {
      if (!keep.has(connection.endpoint)) {
        resetSocket(connection.client);
        destroyWhenSettled(connection.upstream, true);
      }
    }
  }

  destroyAll(): void {
    for (const socket of [...this.sockets]) destroyWhenSettled(socket);
  }
}

export const startKubeProxy: ComponentFactory<KubeProxyConfig, KubeProxyInfo> = async (config) => {
  const rng = new Rng(config.seed);
  const pods = new Map(config.pods.map((pod) => [pod.ip, pod]));
  const proxies = new Map<string, ServiceProxy>();
  const servers: net.Server[] = [];
  const listeners: KubeProxyInfo['listeners'] = [];

  // Stop accepting first, then keep destroying: connections accepted while the listeners close (already queued in the
  // event loop) must not outlive the component.
  const closeAll = async () => {
    let listening = true;
    const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))).then(() => {
      listening = false;
    });
    while (listening) {
      for (const proxy of proxies.values()) proxy.destroyAll();
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10))]);
    }
    for (const proxy of proxies.values()) proxy.destroyAll();
  };

  try {
    for (const spec of config.services) {
      const proxy = new ServiceProxy(spec, config.mode, rng, config.privilegedPortOffset, pods);
      proxies.set(proxy.key, proxy);
      for (const port of spec.ports) {
        const bound = mapPrivilegedPort(port.port, config.privilegedPortOffset);
        const server = net.createServer({ noDelay: true }, (socket) => proxy.accept(socket, port));
        await new Promise<void>((resolve, reject) => {
          server.once('error', (error) => reject(new Error(`kube-proxy: cannot listen on ${spec.clusterIP}:${bound} for Service ${proxy.key}: ${error.message}`)));
          server.listen(bound, spec.clusterIP, () => resolve());
        });
        servers.push(server);
        listeners.push({ service: proxy.key, ip: spec.clusterIP, port: port.port, hostPort: bound });
      }
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    info: { listeners },
    methods: {
      setEndpoints(service: string, endpoints: EndpointSpec[], options: { resetRemoved?: boolean } = {}) {
        const proxy = proxies.get(service);
        if (!proxy) throw new Error(`kube-proxy: unknown Service ${service}`);
        proxy.setEndpoints(endpoints, options.resetRemoved ?? true);
      },
      registerPods(list: PodIdentity[]) {
        for (const pod of list) pods.set(pod.ip, pod);
      },
      unregisterPods(ips: string[]) {
        for (const ip of ips) pods.delete(ip);
      },
      stats(): ServiceProxyStats[] {
        return [...proxies.values()].map((proxy) => structuredClone(proxy.stats));
      },
    },
    close: () => (closing ??= closeAll()),
  };
};

if (!isMainThread) serveInWorker(startKubeProxy);
