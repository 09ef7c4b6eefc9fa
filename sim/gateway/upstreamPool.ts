// Envoy's HTTP/2 upstream connection pool: per host, multiplex requests over one connection and open another only
// when every open one is at the peer's SETTINGS_MAX_CONCURRENT_STREAMS (kube-apiserver: 100). A connection that
// receives GOAWAY is drained: no new streams, in-flight ones finish (connection_pooling.rst). Upstream TLS uses the
// cluster CA, SNI `kubernetes.default.svc.cluster.local` (every kube-apiserver cert has it) and, for the mTLS
// cluster, the gateway's front-proxy client certificate. Connections originate from the gateway pod's address.
// Envoy keeps one pool per worker thread; `connectionsPerHost` > 1 models several workers.
import http2 from 'node:http2';
import tls from 'node:tls';
import type { Endpoint } from '../../scripts/core/endpoint.ts';
import { destroySessionWhenSettled } from '../network/socketClose.ts';
import { DEFAULT_STREAM_PRIORITY } from '../network/http2Priority.ts';

export interface UpstreamTls {
  caPem: string;
  sni: string;
  clientCert?: { certPem: string; keyPem: string };
}

interface PooledSession {
  session: http2.ClientHttp2Session;
  active: number;
  draining: boolean;
}

export class H2UpstreamPool {
  private readonly pools = new Map<string, PooledSession[]>();
  private opened = 0;
  private closed = false;

  constructor(
    private readonly tls: UpstreamTls,
    private readonly localAddress: string,
    private readonly connectionsPerHost = 1,
  ) {}

  get connectionsOpened(): number {
    return this.opened;
  }

  request(host: Endpoint, headers: http2.OutgoingHttpHeaders, endStream: boolean): http2.ClientHttp2Stream {
    if (this.closed) throw new Error('upstream pool closed');
    const pooled = this.sessionFor(host);
    pooled.active++;
    const stream = pooled.session.request(headers, { endStream, ...DEFAULT_STREAM_PRIORITY });
    stream.once('close', () => {
      pooled.active--;
    });
    return stream;
  }

  private sessionFor(host: Endpoint): PooledSession {
    const key = `${host.name}@${host.ip}:${host.port}`;
    let list = this.pools.get(key);
    if (!list) {
      list = [];
      this.pools.set(key, list);
    }
    // Spread over up to `connectionsPerHost` connections (one per Envoy worker), least busy first. One pass: this
    // runs for every request.
    let usable = 0;
    let best: PooledSession | undefined;
    for (const p of list) {
      if (p.draining || p.session.destroyed || p.session.closed) continue;
      usable++;
      const limit = p.session.remoteSettings.maxConcurrentStreams ?? 100;
      if (p.active < limit && (!best || p.active < best.active)) best = p;
    }
    if (best && (usable >= this.connectionsPerHost || best.active === 0)) return best;
    return this.open(host, list);
  }

  private open(host: Endpoint, list: PooledSession[]): PooledSession {
    const session = http2.connect(`https://${host.ip}:${host.port}`, {
      settings: { initialWindowSize: 1 << 20 },
      // Our own TLS socket: source address = the gateway pod, TCP_NODELAY, upstream SNI and trust.
      createConnection: () =>
        tls.connect({
          host: host.ip,
          port: host.port,
          localAddress: this.localAddress,
          noDelay: true,
          servername: this.tls.sni,
          ca: this.tls.caPem,
          cert: this.tls.clientCert?.certPem,
          key: this.tls.clientCert?.keyPem,
          ALPNProtocols: ['h2'],
        } as tls.ConnectionOptions & { localAddress: string }),
    });
    this.opened++;
    const pooled: PooledSession = { session, active: 0, draining: false };
    list.push(pooled);
    const remove = () => {
      const index = list.indexOf(pooled);
      if (index >= 0) list.splice(index, 1);
    };
    session.on('goaway', () => {
      pooled.draining = true;
    });
    session.on('close', remove);
    session.on('error', () => {
      pooled.draining = true;
    });
    return pooled;
  }

  /** Drains the connections of hosts that left the cluster. */
  retire(hostNames: string[]): void {
    for (const [key, list] of this.pools) {
      if (!hostNames.some((name) => key.startsWith(`${name}@`))) continue;
      for (const p of list) {
        p.draining = true;
        if (!p.session.closed) p.session.close();
      }
    }
  }

  /** Open connections per host name. */
  connectionsByHost(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, list] of this.pools) if (list.length > 0) out[key.slice(0, key.indexOf('@'))] = (out[key.slice(0, key.indexOf('@'))] ?? 0) + list.length;
    return out;
  }

  close(): void {
    this.closed = true;
    for (const list of this.pools.values()) for (const p of list) destroySessionWhenSettled(p.session);
    this.pools.clear();
  }
}
