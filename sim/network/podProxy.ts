// A pod's network namespace for tools outside the simulator. kubectl, curl or your own controller cannot read a
// simulated pod's /etc/hosts, but they all honour an HTTP CONNECT proxy (kubeconfig `proxy-url`, curl -x,
// HTTPS_PROXY). This proxy resolves the CONNECT target exactly as the pod would (hostAliases, then cluster DNS),
// maps privileged ports, and dials from the pod's own IP, so network policy applies as to the pod itself.
// The TLS session stays end-to-end between the tool and the target: the proxy only sees bytes.
//
// Why this matters for the gateway path: Gardener's `misdirected-requests` Lua filter answers 421 when the TLS SNI
// and the HTTP :authority differ. A kubeconfig with `server: https://<VIP>` + `tls-server-name: api...` sends
// :authority=<VIP> and is rejected, as it would be by a real gateway; with this proxy the server stays the public
// name, as in the generic token kubeconfig.
import http from 'node:http';
import net from 'node:net';
import { mapPrivilegedPort } from '../../scripts/core/endpoint.ts';
import { defineComponent } from '../runtime/component.ts';
import { resolveForPod } from './resolver.ts';
import { destroyWhenSettled } from './socketClose.ts';
import type { HostAlias } from '../../scripts/core/hostAlias.ts';
import type { ServiceRecord } from '../../scripts/core/service.ts';

export interface PodProxyConfig {
  /** Where the proxy listens (a loopback address). */
  listenIp: string;
  listenPort: number;
  pod: { name: string; namespace: string; ip: string; hostAliases: HostAlias[] };
  services: ServiceRecord[];
  privilegedPortOffset: number;
}

export interface PodProxyInfo {
  url: string;
}

async function startPodProxy(config: PodProxyConfig) {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain' });
    res.end(
      `this is the network of pod ${config.pod.namespace}/${config.pod.name}: use it as an HTTPS (CONNECT) proxy, e.g. kubeconfig proxy-url or curl -x\n`,
    );
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    const target = parseAuthority(req.url ?? '');
    if (!target) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\nCONNECT needs host:port\r\n');
      return;
    }
    const resolution = resolveForPod(target.host, config.pod, config.services);
    if (resolution.via === 'nxdomain') {
      client.end(
        `HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\n\r\nlookup ${target.host} from pod ${config.pod.namespace}/${config.pod.name}: no such host (tried ${resolution.tried.join(', ')})\r\n`,
      );
      return;
    }
    const upstream = net.connect({
      host: resolution.ip,
      port: mapPrivilegedPort(target.port, config.privilegedPortOffset),
      localAddress: config.pod.ip,
      noDelay: true,
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      client.setNoDelay(true);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    upstream.on('error', (error) => {
      if (!connected && client.writable) {
        client.end(
          `HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\n\r\nconnect ${resolution.ip}:${target.port} (${target.host}) from ${config.pod.ip}: ${error.message}\r\n`,
        );
      } else {
        client.destroy();
      }
    });
    client.on('close', () => destroyWhenSettled(upstream));
    upstream.on('close', () => client.destroySoon());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => reject(new Error(`pod proxy: cannot listen on ${config.listenIp}:${config.listenPort}: ${error.message}`)));
    server.listen(config.listenPort, config.listenIp, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    info: { url: `http://${config.listenIp}:${port}` } satisfies PodProxyInfo,
    methods: {},
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) destroyWhenSettled(socket);
        server.close(() => resolve());
      })),
  };
}

function parseAuthority(authority: string): { host: string; port: number } | undefined {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(authority);
  if (!match) return undefined;
  const port = Number(match[2]);
  return port > 0 && port < 65536 ? { host: match[1]!, port } : undefined;
}

export default defineComponent({ kind: 'pod-proxy', entry: new URL(import.meta.url), start: startPodProxy });
