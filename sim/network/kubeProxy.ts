// kube-proxy for the simulated cluster: a TCP listener on every Service VIP and port that picks a backend per NEW
// connection and pipes bytes (L4, no TLS, no HTTP). Faithful points:
// - backend choice per connection: iptables uniform random or ipvs round robin (backendChoice.ts);
// - the backend sees the client's own source address (iptables DNAT keeps it; here the backend leg binds the
//   client's IP as its local address);
// - TCP_NODELAY on both legs (without it the pipe collapses: docs/kube-proxy.md#tcp_nodelay);
// - endpoints follow readiness: a new endpoint only gets new connections; a removed endpoint's connections are reset
//   when its pod went away (resetRemoved), and kept when it merely turned unready (conntrack keeps established flows);
// - no ready endpoint: the connection is refused (iptables REJECT), here an immediate reset.
import net from 'node:net';
import type { Endpoint } from '../../scripts/core/endpoint.ts';
import { Rng } from '../../scripts/core/random.ts';
import { defineComponent } from '../runtime/component.ts';
import { createBackendChooser, type BackendChooser, type KubeProxyMode } from './backendChoice.ts';
import { decideIngress, normalizeIp, type PodIdentity } from './networkPolicy.ts';
import { destroyWhenSettled, resetSocket } from './socketClose.ts';
import type { ServiceProxyStats } from '../../scripts/core/componentStats.ts';
import type { ServiceSpec } from '../../scripts/core/service.ts';

export interface KubeProxyConfig {
  mode: KubeProxyMode;
  randomSeed: number;
  services: ServiceSpec[];
  pods: PodIdentity[];
}

export interface KubeProxyInfo {
  listeners: { service: string; ip: string; port: number; listenPort: number }[];
}

interface TrackedConnection {
  client: net.Socket;
  upstream: net.Socket;
  endpoint: string;
}

class ServiceProxy {
  readonly key: string;
  private endpoints: Endpoint[];
  private readonly chooser: BackendChooser;
  private readonly connections = new Set<TrackedConnection>();
  /** Every socket until it has fully closed (a connection's second leg can outlive its first). */
  private readonly sockets = new Set<net.Socket>();
  readonly stats: ServiceProxyStats;

  constructor(
    readonly spec: ServiceSpec,
    mode: KubeProxyMode,
    rng: Rng,
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

  accept(client: net.Socket): void {
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
      port: endpoint.port,
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
    upstream.on('error', () => {
      resetSocket(client);
      finish();
    });
    client.on('error', () => {
      destroyWhenSettled(upstream, true);
      finish();
    });
    upstream.on('close', () => {
      client.destroySoon();
      finish();
    });
    client.on('close', () => {
      if (upstream.connecting) destroyWhenSettled(upstream);
      else upstream.destroySoon();
      finish();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }

  setEndpoints(endpoints: Endpoint[], resetRemoved: boolean): void {
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

async function startKubeProxy(config: KubeProxyConfig) {
  const rng = new Rng(config.randomSeed);
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
      const proxy = new ServiceProxy(spec, config.mode, rng, pods);
      proxies.set(proxy.key, proxy);
      const server = net.createServer({ noDelay: true }, (socket) => proxy.accept(socket));
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error) =>
          reject(new Error(`kube-proxy: cannot listen on ${spec.clusterIP}:${spec.listenPort} for Service ${proxy.key}: ${error.message}`)),
        );
        server.listen(spec.listenPort, spec.clusterIP, () => resolve());
      });
      servers.push(server);
      listeners.push({ service: proxy.key, ip: spec.clusterIP, port: spec.port, listenPort: spec.listenPort });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    info: { listeners } satisfies KubeProxyInfo,
    methods: {
      /** EndpointSlice update for Service `<namespace>/<name>`; by default a removed endpoint's connections are reset. */
      setEndpoints(service: string, endpoints: Endpoint[], options: { resetRemoved?: boolean } = {}): void {
        const proxy = proxies.get(service);
        if (!proxy) throw new Error(`kube-proxy: unknown Service ${service}`);
        proxy.setEndpoints(endpoints, options.resetRemoved ?? true);
      },
      /**
       * The NetworkPolicy in front of a Service's pods changed its pod selector (the label it requires). Checked for
       * each new connection; established ones are not looked at again.
       */
      setRequiredPodLabel(service: string, label: string | undefined): void {
        const proxy = proxies.get(service);
        if (!proxy) throw new Error(`kube-proxy: unknown Service ${service}`);
        proxy.spec.requiredPodLabel = label;
      },
      /** Pods whose labels network policy checks by source address (pods are registered when admitted). */
      registerPods(list: PodIdentity[]): void {
        for (const pod of list) pods.set(pod.ip, pod);
      },
      stats(): ServiceProxyStats[] {
        return [...proxies.values()].map((proxy) => structuredClone(proxy.stats));
      },
    },
    close: () => (closing ??= closeAll()),
  };
}

export default defineComponent({ kind: 'kube-proxy', entry: new URL(import.meta.url), start: startKubeProxy });
