// One Istio ingress gateway pod (Envoy) behind Service istio-ingressgateway-internal:443 → 9443. In `terminate`
// mode (Gardener L7) it terminates TLS with the kube-apiserver's own certificate, selected by SNI, optionally
// verifies a client certificate (Gateway tls.mode OPTIONAL_MUTUAL with ca-client), and balances every request;
// HTTP/2 streams go through the node:http2 forwarder, HTTP/1.1 through http-proxy-3, both on the same filter chain
// and upstream clusters (terminatingListener.ts). In `passthrough` mode it routes TLS connections by SNI at L4.
// Several control planes share the gateway pods (one per SNI host set, controlPlaneRuntime.ts), as they share a seed's
// ingress gateway; the pod's counters for the accounting are gatewayStatsReport.ts's.
import fs from 'node:fs';
import net from 'node:net';
import type { GatewayStats } from '../../scripts/core/componentStats.ts';
import type { Endpoint } from '../../scripts/core/endpoint.ts';
import { Rng } from '../../scripts/core/random.ts';
import { defineComponent } from '../runtime/component.ts';
import { installLightAsyncBind } from '../network/lightAsyncBind.ts';
import { destroyWhenSettled } from '../network/socketClose.ts';
import { ActiveRequests } from './activeRequests.ts';
import { planeRuntime, setPlaneEndpoints } from './controlPlaneRuntime.ts';
import { gatewayStats, type PodCounters } from './gatewayStatsReport.ts';
import type { H1Forwarder } from './h1Forwarder.ts';
import type { LbPolicy } from './lbPolicy.ts';
import { handlePassthroughConnection } from './passthrough.ts';
import { GARDENER_ROUTE_TIMEOUT_MS, RouteTimeouts } from './routeTimeout.ts';
import { terminatingListener } from './terminatingListener.ts';

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

async function startGatewayPod(config: GatewayPodConfig) {
  if (config.controlPlanes.length === 0) throw new Error(`${config.name}: no control planes configured`);
  // Every upstream request pays for Node 20's AsyncResource.bind; a lighter one in this worker (sim/network/lightAsyncBind.ts).
  installLightAsyncBind();
  const rng = new Rng(config.randomSeed);
  const counters: PodCounters = {
    forwarder: { downstreamStreams: 0, localReplies: {}, retries: 0 },
    passthrough: { connections: 0, rejected: {} },
    downstream: { accepted: 0, open: 0 },
    active: new ActiveRequests(),
  };
  const timeouts = new RouteTimeouts(config.routeTimeoutMs ?? GARDENER_ROUTE_TIMEOUT_MS);
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const downstream = (s: net.Socket) => {
    counters.downstream.accepted++;
    counters.downstream.open++;
    s.once('close', () => counters.downstream.open--);
  };

  const planes = config.controlPlanes.map((cp, index) => planeRuntime(config, cp, index, rng, counters.active));
  const byHost = new Map(planes.flatMap((plane) => plane.hosts.map((host) => [host, plane] as const)));
  const planeFor = (sni: string) => byHost.get(sni.toLowerCase());

  let server: net.Server;
  let h1: H1Forwarder | undefined;
  if (config.mode === 'terminate') {
    ({ server, h1 } = terminatingListener(config, planeFor, counters.forwarder, timeouts, downstream));
    server.on('connection', track);
  } else {
    server = net.createServer({ noDelay: true }, (socket) => {
      downstream(socket);
      handlePassthroughConnection(socket, (sni) => planeFor(sni)?.passthrough, config.ip, counters.passthrough, track);
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`${config.name}: cannot listen on ${config.ip}:${config.port}: ${error.message}`)));
    server.listen({ port: config.port, host: config.ip, backlog: listenBacklog() }, () => resolve());
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
        setPlaneEndpoints(planeOf(index), endpoints);
      },
      stats: (): GatewayStats => gatewayStats(config, planes, counters),
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

/**
 * Envoy's listener backlog: Listener.tcp_backlog_size, "if no value is provided net.core.somaxconn will be used on
 * Linux" (envoy/config/listener/v3/listener.proto); Istio's gateway sets none. Node's own default is 511, which reset
 * warm-up connections when 3,000 client pods dialled two gateway pods at once (docs/performance.md#seed-scale).
 */
function listenBacklog(): number {
  try {
    const value = Number(fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
    return Number.isInteger(value) && value > 0 ? value : 511;
  } catch {
    return 511;
  }
}

export default defineComponent({ kind: 'gateway-pod', entry: new URL(import.meta.url), start: startGatewayPod });
