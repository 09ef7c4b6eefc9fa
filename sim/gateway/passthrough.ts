// SNI passthrough (Gardener's L4 mode and GEP-08): Envoy's tls_inspector reads the ClientHello, the filter chain for
// that server name routes the *connection* with tcp_proxy to an upstream host chosen by the cluster's balancer, and
// bytes are relayed untouched (the client talks TLS to the kube-apiserver itself). Balancing is therefore per
// connection; LEAST_REQUEST compares active connections here (tcp_proxy counts each connection as one request on
// the host). TCP_NODELAY on both legs.
import net from 'node:net';
import { parseClientHello, MAX_CLIENT_HELLO_BYTES } from './clientHello.ts';
import type { UpstreamCluster } from './upstreamCluster.ts';
import { destroyWhenSettled } from '../network/socketClose.ts';

const INSPECT_TIMEOUT_MS = 15_000; // Envoy's listener_filters_timeout default

export interface PassthroughStats {
  connections: number;
  rejected: Record<string, number>;
}

export function handlePassthroughConnection(
  client: net.Socket,
  clusterFor: (sni: string) => UpstreamCluster | undefined,
  localAddress: string,
  stats: PassthroughStats,
  track: (s: net.Socket) => void,
): void {
  stats.connections++;
  client.setNoDelay(true);
  track(client);
  const reject = (reason: string) => {
    stats.rejected[reason] = (stats.rejected[reason] ?? 0) + 1;
    client.destroy();
  };
  let buffered = Buffer.alloc(0);
  const timer = setTimeout(() => reject('inspect-timeout'), INSPECT_TIMEOUT_MS);
  client.on('error', () => client.destroy());
  client.on('close', () => clearTimeout(timer));
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const result = parseClientHello(buffered);
    if (result.kind === 'need-more') {
      if (buffered.length > MAX_CLIENT_HELLO_BYTES) reject('client-hello-too-large');
      return;
    }
    client.off('data', onData);
    client.pause();
    clearTimeout(timer);
    if (result.kind === 'not-tls') return reject('not-tls');
    const cluster = result.serverName ? clusterFor(result.serverName) : undefined;
    if (!cluster) return reject('no-filter-chain');
    const lease = cluster.acquire();
    if (!lease) return reject('no-healthy-upstream');
    const upstream = net.connect({ host: lease.host.ip, port: lease.host.port, localAddress, noDelay: true });
    track(upstream);
    upstream.on('error', () => {
      client.destroy();
      lease.release();
    });
    upstream.on('close', () => {
      client.destroySoon();
      lease.release();
    });
    client.on('close', () => destroyWhenSettled(upstream));
    upstream.write(buffered);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  };
  client.on('data', onData);
}
