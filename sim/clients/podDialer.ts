// How a pod opens a connection to its kubeconfig server: resolve the host through the pod's network view
// (podNetwork.ts), connect from the pod's address, TLS with the kubeconfig's CA and server name, ALPN. Failures
// carry the kind the results report (dns, connect, tls), and whether the TCP connection was made (the Go load client
// counts a connection when its dialer returns one, before TLS: scripts/loadclient/dialer.go).
import tls from 'node:tls';
import type { PodNetwork } from './podNetwork.ts';
import type { ClientPodSpec } from '../../scripts/core/clientPod.ts';

export class DialError extends Error {
  constructor(
    readonly kind: 'dns' | 'connect' | 'tls',
    message: string,
    /** The TCP connection was established before the dial failed (a TLS failure): it counts as opened. */
    readonly connected = false,
  ) {
    super(message);
    this.name = 'DialError';
  }
}

export interface PodEndpoint {
  /** Host of the kubeconfig server (what SNI and :authority carry). */
  host: string;
  port: number;
  /** `:authority` / Host as Go sends it: the host, plus the port unless it is the scheme default. */
  authority: string;
  servername: string;
}

export function podEndpoint(pod: ClientPodSpec): PodEndpoint {
  const url = new URL(pod.kubeconfig.server);
  if (url.protocol !== 'https:') throw new Error(`pod ${pod.name}: kubeconfig server must be https, got ${pod.kubeconfig.server}`);
  const port = url.port ? Number(url.port) : 443;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { host, port, authority: url.port ? `${url.hostname}:${url.port}` : url.hostname, servername: pod.kubeconfig.tlsServerName ?? host };
}

/**
 * The pod's TLS settings, parsed once: client-go builds one tls.Config per transport (transport/cache.go) and every
 * dial reuses it, where tls.connect with `ca`/`cert`/`key` would parse them again for every connection (0.3 ms of CPU
 * per dial with a CA, 1 ms with a client certificate, measured: docs/client-go.md#dials-after-a-miss-one-per-waiting-request).
 */
const secureContexts = new WeakMap<ClientPodSpec, tls.SecureContext>();

function secureContextOf(pod: ClientPodSpec): tls.SecureContext {
  let context = secureContexts.get(pod);
  if (!context) {
    const { caPem, clientCertPem, clientKeyPem } = pod.kubeconfig;
    context = tls.createSecureContext({ ca: caPem, ...(clientCertPem ? { cert: clientCertPem, key: clientKeyPem } : {}) });
    secureContexts.set(pod, context);
  }
  return context;
}

export async function dialPod(pod: ClientPodSpec, endpoint: PodEndpoint, network: PodNetwork, alpn: string[]): Promise<tls.TLSSocket> {
  const resolved = await network.resolve(pod, endpoint.host, endpoint.port);
  if ('error' in resolved) throw new DialError('dns', resolved.error);
  const localAddress = network.sourceAddress(pod);
  return new Promise((resolve, reject) => {
    let connected = false;
    const socket = tls.connect({
      host: resolved.ip,
      port: resolved.port,
      ...(localAddress ? { localAddress } : {}),
      noDelay: true,
      servername: endpoint.servername,
      secureContext: secureContextOf(pod),
      ALPNProtocols: alpn,
    } as tls.ConnectionOptions & { localAddress: string });
    socket.once('connect', () => {
      connected = true;
    });
    socket.once('secureConnect', () => {
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      socket.destroy();
      const kind = connected && !/ECONNRESET|EPIPE/.test(error.code ?? '') ? 'tls' : 'connect';
      reject(new DialError(kind, `dial ${resolved.ip}:${resolved.port} (${endpoint.host}) from ${localAddress ?? 'the pod'}: ${error.message}`, connected));
    });
  });
}
