// One Istio ingress gateway pod (Envoy) behind Service istio-ingressgateway-internal:443 → 9443. In `terminate`
// mode (Gardener L7) it terminates TLS with the kube-apiserver's own certificate, selected by SNI, optionally
// verifies a client certificate (Gateway tls.mode OPTIONAL_MUTUAL with ca-client), and balances every request;
// HTTP/2 streams go through the node:http2 forwarder, HTTP/1.1 through http-proxy-3. In `passthrough` mode it
// routes TLS connections by SNI at L4. One control plane per SNI host set (the simulator runs one).
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { isMainThread } from 'node:worker_threads';
import { Rng } from '../random.ts';
import type { ComponentFactory } from '../runtime/component.ts';
import { serveInWorker } from '../runtime/serveInWorker.ts';
import { UpstreamCluster } from './cluster.ts';
import type { EndpointAddress } from './endpoint.ts';
import { forwardH2Stream, type ControlPlaneRoutes, type ForwarderStats } from './h2Forwarder.ts';
import { H1Forwarder, type H1ControlPlaneRoutes } from './h1Forwarder.ts';
import type { LbPolicy } from './lbPolicy.ts';
import { handlePassthroughConnection, type PassthroughStats } from './passthrough.ts';
import { H2UpstreamPool } from './upstreamPool.ts';
import { destroyWhenSettled } from '../network/socketClose.ts';

export interface GatewayControlPlaneConfig {
  /** SNI / :authority names of this control plane (Gateway servers[].hosts). */
  hosts: string[];
  /** The kube-apiserver's serving certificate (secret <ns>-kube-apiserver-tls), presented downstream. */
  servingTls: { certPem: string; keyPem: string };
  /** ca-client: verifies optional downstream client certificates. */
  clientCaPem: string;
  upstream: {
    endpoints: EndpointAddress[];
    /** The cluster CA, verifying the kube-apiserver's certificate. */
    caPem: string;
    /** Upstream SNI, `kubernetes.default.svc.cluster.local` in Gardener's DestinationRules. */
    sni: string;
    /** system:istio-gateway, signed by ca-front-proxy (secret <ns>-kube-apiserver-istio-mtls). */
    frontProxyClient: { certPem: string; keyPem: string };
  };
}

export interface GatewayPodConfig {
  name: string;
  ip: string;
  port: number;
  mode: 'terminate' | 'passthrough';
  lbPolicy: LbPolicy;
  choiceCount: number;
  seed: number;
  /** Downstream HTTP/2 max_concurrent_streams (Gardener's envoy-filter: 100). */
  maxConcurrentStreams: number;
  upstreamConnectionsPerEndpoint: number;
  controlPlanes: GatewayControlPlaneConfig[];
}

export interface GatewayPodInfo {
  name: string;
  ip: string;
  port: number;
  mode: GatewayPodConfig['mode'];
}

export interface GatewayStats {
  pod: string;
  mode: GatewayPodConfig['mode'];
  downstreamConnections: number;
  downstreamStreams: number;
  localReplies: Record<string, number>;
  retries: number;
  upstreamConnectionsOpened: number;
  /** Per cluster (default, mtls, connection-upgrade or passthrough): host → requests (or connections) and active. */
  clusters: Record<string, Record<string, { requests: number; active: number }>>;
  rejectedConnections: Record<string, number>;
}

interface PlaneRuntime {
  hosts: Set<string>;
  clusters: UpstreamCluster[];
  h2: ControlPlaneRoutes;
  h1: H1ControlPlaneRoutes;
  pools: H2UpstreamPool[];
  passthrough: UpstreamCluster;
}

export const startGatewayPod: ComponentFactory<GatewayPodConfig, GatewayPodInfo> = async (config) => {
  if (config.controlPlanes.length === 0) throw new Error(`${config.name}: no control planes configured`);
  const rng = new Rng(config.seed);
  const stats: ForwarderStats = { downstreamStreams: 0, localReplies: {}, retries: 0 };
  const passthroughStats: PassthroughStats = { connections: 0, rejected: {} };
  let downstreamConnections = 0;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  const planes: PlaneRuntime[] = config.controlPlanes.map((cp, index) => {
    const cluster = (kind: 'default' | 'mtls' | 'connection-upgrade') =>
      new UpstreamCluster(kind, cp.upstream.endpoints, config.lbPolicy, rng.fork(`plane-${index}/${kind}`), config.choiceCount);
    const simple = { caPem: cp.upstream.caPem, sni: cp.upstream.sni };
    const mutual = { ...simple, clientCert: cp.upstream.frontProxyClient };
    const def = cluster('default');
    const mtls = cluster('mtls');
    const upgrade = cluster('connection-upgrade');
    const defaultPool = new H2UpstreamPool(simple, config.ip, config.upstreamConnectionsPerEndpoint);
    const mtlsPool = new H2UpstreamPool(mutual, config.ip, config.upstreamConnectionsPerEndpoint);
    return {
      hosts: new Set(cp.hosts.map((h) => h.toLowerCase())),
      clusters: [def, mtls, upgrade],
      h2: { hosts: cp.hosts, routes: { default: { cluster: def, pool: defaultPool }, mtls: { cluster: mtls, pool: mtlsPool } } },
      h1: { hosts: cp.hosts, routes: { default: { cluster: def, tls: simple }, mtls: { cluster: mtls, tls: mutual }, 'connection-upgrade': { cluster: upgrade, tls: simple } } },
      pools: [defaultPool, mtlsPool],
      passthrough: new UpstreamCluster('default', cp.upstream.endpoints, config.lbPolicy, rng.fork(`plane-${index}/passthrough`), config.choiceCount),
    };
  });
  const planeFor = (sni: string) => planes.find((p) => p.hosts.has(sni.toLowerCase()));

  let server: net.Server;
  let h1: H1Forwarder | undefined;
  if (config.mode === 'terminate') {
    const contexts = new Map<string, tls.SecureContext>();
    for (const [i, cp] of config.controlPlanes.entries()) {
      const context = tls.createSecureContext({ key: cp.servingTls.keyPem, cert: cp.servingTls.certPem, ca: cp.clientCaPem });
      for (const host of planes[i]!.hosts) contexts.set(host, context);
    }
    const h2server = http2.createServer({
      settings: { maxConcurrentStreams: config.maxConcurrentStreams, initialWindowSize: 65_536 },
      maxSessionMemory: 64,
    });
    h2server.on('session', (session) => {
      session.on('error', () => undefined);
      // Gardener: initial_connection_window_size 1 MiB on the gateway's downstream HTTP/2.
      session.on('connect', () => session.setLocalWindowSize(1 << 20));
    });
    h2server.on('stream', (stream, headers, flags) => forwardH2Stream(stream, headers, flags, (sni) => planeFor(sni)?.h2, stats));
    h1 = new H1Forwarder((sni) => planeFor(sni)?.h1, config.ip, stats);
    const h1server = http.createServer((req, res) => h1!.handle(req, res));
    h1server.on('upgrade', (req, socket, head) => h1!.upgrade(req, socket as net.Socket, head));
    h1server.on('clientError', (_error, socket) => socket.destroy());
    server = tls.createServer({
      ALPNProtocols: ['h2', 'http/1.1'],
      requestCert: true,
      rejectUnauthorized: false,
      SNICallback: (servername, callback) => {
        const context = contexts.get(servername.toLowerCase());
        if (context) callback(null, context);
        else callback(new Error(`no filter chain for server name "${servername}"`));
      },
    }, (socket) => {
      downstreamConnections++;
      socket.setNoDelay(true);
      // OPTIONAL_MUTUAL: no client certificate is fine, an invalid one ends the connection.
      const peer = socket.getPeerCertificate();
      if (peer && Object.keys(peer).length > 0 && !socket.authorized) return socket.destroy();
      if (socket.alpnProtocol === 'h2') h2server.emit('connection', socket);
      else h1server.emit('connection', socket);
    });
    server.on('connection', track);
    server.on('tlsClientError', () => undefined);
  } else {
    server = net.createServer({ noDelay: true }, (socket) => {
      downstreamConnections++;
      handlePassthroughConnection(socket, (sni) => planeFor(sni)?.passthrough, config.ip, passthroughStats, track);
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`${config.name}: cannot listen on ${config.ip}:${config.port}: ${error.message}`)));
    server.listen(config.port, config.ip, () => resolve());
  });

  let closing: Promise<void> | undefined;
  return {
    info: { name: config.name, ip: config.ip, port: config.port, mode: config.mode },
    methods: {
      setEndpoints(planeIndex: number, endpoints: EndpointAddress[]) {
        const plane = planes[planeIndex];
        if (!plane) throw new Error(`${config.name}: no control plane #${planeIndex}`);
        const removed = new Set<string>();
        for (const c of [...plane.clusters, plane.passthrough]) for (const name of c.setEndpoints(endpoints)) removed.add(name);
        for (const pool of plane.pools) pool.retire([...removed]);
      },
      stats(): GatewayStats {
        const clusters: GatewayStats['clusters'] = {};
        for (const plane of planes) {
          if (config.mode === 'passthrough') clusters.passthrough = plane.passthrough.stats();
          else for (const c of plane.clusters) clusters[c.kind] = c.stats();
        }
        return {
          pod: config.name,
          mode: config.mode,
          downstreamConnections,
          downstreamStreams: stats.downstreamStreams,
          localReplies: { ...stats.localReplies },
          retries: stats.retries,
          upstreamConnectionsOpened: planes.reduce((s, p) => s + p.pools.reduce((t, pool) => t + pool.connectionsOpened, 0), 0),
          clusters,
          rejectedConnections: { ...passthroughStats.rejected },
        };
      },
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) destroyWhenSettled(s);
        for (const plane of planes) for (const pool of plane.pools) pool.close();
        h1?.close();
      })),
  };
};

if (!isMainThread) serveInWorker(startGatewayPod);
