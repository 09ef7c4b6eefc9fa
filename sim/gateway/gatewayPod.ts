// One Istio ingress gateway pod (Envoy) behind Service istio-ingressgateway-internal:443 → 9443. In `terminate`
// mode (Gardener L7) it terminates TLS with the kube-apiserver's own certificate, selected by SNI, optionally
// verifies a client certificate (Gateway tls.mode OPTIONAL_MUTUAL with ca-client), and balances every request;
// HTTP/2 streams go through the node:http2 forwarder, HTTP/1.1 through http-proxy-3, both on the same filter chain
// and upstream clusters. In `passthrough` mode it routes TLS connections by SNI at L4. Several control planes may
// share the gateway pods (one per SNI host set), as they share a seed's ingress gateway.
import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import type { Endpoint } from '../../scripts/core/endpoint.ts';
import { Rng } from '../../scripts/core/random.ts';
import { defineComponent } from '../runtime/component.ts';
import { destroyWhenSettled } from '../network/socketClose.ts';
import type { RouteKind } from './filterChain.ts';
import { forwardH2Stream } from './h2Forwarder.ts';
import { H1Forwarder } from './h1Forwarder.ts';
import type { LbPolicy } from './lbPolicy.ts';
import { handlePassthroughConnection, type PassthroughStats } from './passthrough.ts';
import type { ControlPlaneRoutes, ForwarderStats, Route } from './route.ts';
import { installLightAsyncBind } from '../network/lightAsyncBind.ts';
import { GARDENER_ROUTE_TIMEOUT_MS, RouteTimeouts } from './routeTimeout.ts';
import { UpstreamCluster } from './upstreamCluster.ts';
import { H2UpstreamPool } from './upstreamPool.ts';
import type { GatewayStats } from '../../scripts/core/componentStats.ts';

export interface GatewayControlPlaneConfig {
  /** SNI / :authority names of this control plane (Gateway servers[].hosts). */
  hosts: string[];
  /** The kube-apiserver's serving certificate (secret <ns>-kube-apiserver-tls), presented downstream. */
  servingTls: { certPem: string; keyPem: string };
  /** ca-client: verifies optional downstream client certificates. */
  clientCaPem: string;
  upstream: {
    endpoints: Endpoint[];
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
  randomSeed: number;
  /** Downstream HTTP/2 max_concurrent_streams (Gardener's envoy-filter: 100). */
  maxConcurrentStreams: number;
  /** Upstream HTTP/2 connections per host: one per Envoy worker thread (docs/envoy-istio.md#workers-and-pools). */
  upstreamConnectionsPerEndpoint: number;
  /** Route timeout; Gardener's Lua filter sets 1 day (routeTimeout.ts). */
  routeTimeoutMs?: number;
  controlPlanes: GatewayControlPlaneConfig[];
}

export interface GatewayPodInfo {
  name: string;
  ip: string;
  port: number;
  mode: GatewayPodConfig['mode'];
}

interface PlaneRuntime extends ControlPlaneRoutes {
  passthrough: UpstreamCluster;
  pools: H2UpstreamPool[];
}

const ROUTE_KINDS: RouteKind[] = ['default', 'mtls', 'connection-upgrade'];

async function startGatewayPod(config: GatewayPodConfig) {
  if (config.controlPlanes.length === 0) throw new Error(`${config.name}: no control planes configured`);
  // Every upstream request pays for Node 20's AsyncResource.bind; a lighter one in this worker (sim/network/lightAsyncBind.ts).
  installLightAsyncBind();
  const rng = new Rng(config.randomSeed);
  const stats: ForwarderStats = { downstreamStreams: 0, localReplies: {}, retries: 0 };
  const passthroughStats: PassthroughStats = { connections: 0, rejected: {} };
  const timeouts = new RouteTimeouts(config.routeTimeoutMs ?? GARDENER_ROUTE_TIMEOUT_MS);
  let downstreamConnections = 0;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };

  const planes: PlaneRuntime[] = config.controlPlanes.map((cp, index) => {
    const cluster = (kind: RouteKind | 'passthrough') =>
      new UpstreamCluster(kind, cp.upstream.endpoints, config.lbPolicy, rng.fork(`plane-${index}/${kind}`), config.choiceCount);
    const simple = { caPem: cp.upstream.caPem, sni: cp.upstream.sni };
    const mutual = { ...simple, clientCert: cp.upstream.frontProxyClient };
    const defaultPool = new H2UpstreamPool(simple, config.ip, config.upstreamConnectionsPerEndpoint);
    const mtlsPool = new H2UpstreamPool(mutual, config.ip, config.upstreamConnectionsPerEndpoint);
    const routes: Record<RouteKind, Route> = {
      default: { cluster: cluster('default'), tls: simple, pool: defaultPool },
      mtls: { cluster: cluster('mtls'), tls: mutual, pool: mtlsPool },
      // HTTP/1.1 only (upgrades), so its HTTP/2 pool is the default one and never used.
      'connection-upgrade': { cluster: cluster('connection-upgrade'), tls: simple, pool: defaultPool },
    };
    return { hosts: cp.hosts.map((h) => h.toLowerCase()), routes, passthrough: cluster('passthrough'), pools: [defaultPool, mtlsPool] };
  });
  const byHost = new Map(planes.flatMap((plane) => plane.hosts.map((host) => [host, plane] as const)));
  const planeFor = (sni: string) => byHost.get(sni.toLowerCase());

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
    const h2context = { planeFor, stats, timeouts };
    h2server.on('stream', (stream, headers, flags) => forwardH2Stream(stream, headers, flags, h2context));
    h1 = new H1Forwarder(planeFor, config.ip, stats, timeouts);
    const h1server = http.createServer((req, res) => h1!.handle(req, res));
    h1server.on('upgrade', (req, socket, head) => h1!.upgrade(req, socket as net.Socket, head));
    h1server.on('clientError', (_error, socket) => socket.destroy());
    server = tls.createServer(
      {
        ALPNProtocols: ['h2', 'http/1.1'],
        requestCert: true,
        rejectUnauthorized: false,
        SNICallback: (servername, callback) => {
          const context = contexts.get(servername.toLowerCase());
          if (context) callback(null, context);
          else callback(new Error(`no filter chain for server name "${servername}"`));
        },
      },
      (socket) => {
        downstreamConnections++;
        socket.setNoDelay(true);
        // OPTIONAL_MUTUAL: no client certificate is fine, an invalid one ends the connection.
        const peer = socket.getPeerCertificate();
        if (peer && Object.keys(peer).length > 0 && !socket.authorized) return socket.destroy();
        if (socket.alpnProtocol === 'h2') h2server.emit('connection', socket);
        else h1server.emit('connection', socket);
      },
    );
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

  const planeOf = (index: number) => {
    const plane = planes[index];
    if (!plane) throw new Error(`${config.name}: no control plane #${index} (there are ${planes.length})`);
    return plane;
  };
  let closing: Promise<void> | undefined;
  return {
    info: { name: config.name, ip: config.ip, port: config.port, mode: config.mode } satisfies GatewayPodInfo,
    methods: {
      /** EDS update for control plane `index`: new hosts get requests at once; removed hosts' connections drain. */
      setEndpoints(index: number, endpoints: Endpoint[]): void {
        const plane = planeOf(index);
        const removed = new Set<string>();
        for (const kind of ROUTE_KINDS) for (const name of plane.routes[kind].cluster.setEndpoints(endpoints)) removed.add(name);
        for (const name of plane.passthrough.setEndpoints(endpoints)) removed.add(name);
        for (const pool of plane.pools) pool.retire([...removed]);
      },
      stats(): GatewayStats {
        const clusters: GatewayStats['clusters'] = {};
        const upstreamConnections: Record<string, number> = {};
        for (const [index, plane] of planes.entries()) {
          // The first control plane's clusters by kind; every further one's under `<kind>|<its host>` (its upstream
          // hosts are named like the first one's: every control plane has a kube-apiserver-0).
          const clusterKey = (kind: string) => (index === 0 ? kind : `${kind}|${plane.hosts[0]}`);
          const hostKey = (host: string) => (index === 0 ? host : `${plane.hosts[0]}/${host}`);
          if (config.mode === 'passthrough') clusters[clusterKey('passthrough')] = plane.passthrough.stats();
          else for (const kind of ROUTE_KINDS) clusters[clusterKey(kind)] = plane.routes[kind].cluster.stats();
          for (const pool of plane.pools)
            for (const [host, n] of Object.entries(pool.connectionsByHost()))
              upstreamConnections[hostKey(host)] = (upstreamConnections[hostKey(host)] ?? 0) + n;
        }
        return {
          pod: config.name,
          mode: config.mode,
          downstreamConnections,
          downstreamStreams: stats.downstreamStreams,
          localReplies: { ...stats.localReplies },
          retries: stats.retries,
          upstreamConnectionsOpened: planes.reduce((s, p) => s + p.pools.reduce((t, pool) => t + pool.connectionsOpened, 0), 0),
          upstreamConnections,
          clusters,
          rejectedConnections: { ...passthroughStats.rejected },
        };
      },
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        timeouts.close();
        server.close(() => resolve());
        for (const s of sockets) destroyWhenSettled(s);
        for (const plane of planes) for (const pool of plane.pools) pool.close();
        h1?.close();
      })),
  };
}

export default defineComponent({ kind: 'gateway-pod', entry: new URL(import.meta.url), start: startGatewayPod });
