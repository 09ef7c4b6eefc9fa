// Real Envoy as the gateway bench's peer (docs/performance.md#gateway-peers-real-envoy): the upstream Envoy binary of
// `npm run binaries` (the version Istio 1.29's gateway embeds, scripts/binaries/versions.ts), configured to do the same
// work as the simulated gateway pod and the HAProxy peer on the same testbed: TLS termination with the
// kube-apiserver's serving certificate and ALPN h2, the HTTP connection manager with Gardener's downstream
// max_concurrent_streams 100 and use_remote_address (X-Forwarded-For, X-Request-Id), the client's X-Remote-User and
// X-Remote-Group removed, the router, and a STATIC cluster of the replicas with LEAST_REQUEST (P2C, choice_count 2)
// over HTTP/2 upstream connections with verified TLS and SNI kubernetes.default.svc.cluster.local. One worker
// (--concurrency 1), as one gateway worker thread and HAProxy's nbthread 1. Envoy API: envoy/config/bootstrap/v3,
// extensions/filters/network/http_connection_manager/v3, extensions/transport_sockets/tls/v3,
// extensions/upstreams/http/v3 (the same fields the binary target's translation writes, docs/binary-target-envoy.md).
import { locateBinary } from '../binaries/locate.ts';
import { ENVOY_VERSION } from '../binaries/versions.ts';
import { IN_CLUSTER_API_HOST } from '../cluster/certificates.ts';
import fs from 'node:fs';
import path from 'node:path';
import { startEnvoy, type EnvoyProcess } from '../targets/binary/envoyProcess.ts';
import { GATEWAY_PORT, type Testbed } from './testbed.ts';

export interface EnvoyPeerOptions {
  dir: string;
  ip: string;
  port: number;
  adminPort: number;
  replicas: { ip: string; port: number }[];
  serving: { certPem: string; keyPem: string };
  caPem: string;
  /** Worker threads (default 1). */
  concurrency?: number;
}

const TLS = 'envoy.transport_sockets.tls';
const type = (name: string) => `type.googleapis.com/${name}`;

export function envoyPeerBootstrap(o: EnvoyPeerOptions): object {
  const httpConnectionManager = {
    '@type': type('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager'),
    stat_prefix: 'gateway',
    codec_type: 'AUTO',
    use_remote_address: true,
    http2_protocol_options: { max_concurrent_streams: 100 },
    route_config: {
      name: 'apiserver',
      request_headers_to_remove: ['x-remote-user', 'x-remote-group'],
      virtual_hosts: [{ name: 'apiserver', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'apiservers', timeout: '0s' } }] }],
    },
    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': type('envoy.extensions.filters.http.router.v3.Router') } }],
  };
  return {
    admin: { address: { socket_address: { address: o.ip, port_value: o.adminPort } } },
    static_resources: {
      listeners: [
        {
          name: 'gateway',
          address: { socket_address: { address: o.ip, port_value: o.port } },
          filter_chains: [
            {
              transport_socket: {
                name: TLS,
                typed_config: {
                  '@type': type('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext'),
                  common_tls_context: {
                    alpn_protocols: ['h2', 'http/1.1'],
                    tls_certificates: [{ certificate_chain: { inline_string: o.serving.certPem }, private_key: { inline_string: o.serving.keyPem } }],
                  },
                },
              },
              filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: httpConnectionManager }],
            },
          ],
        },
      ],
      clusters: [
        {
          name: 'apiservers',
          type: 'STATIC',
          connect_timeout: '5s',
          lb_policy: 'LEAST_REQUEST',
          least_request_lb_config: { choice_count: 2 },
          load_assignment: {
            cluster_name: 'apiservers',
            endpoints: [{ lb_endpoints: o.replicas.map((r) => ({ endpoint: { address: { socket_address: { address: r.ip, port_value: r.port } } } })) }],
          },
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': type('envoy.extensions.upstreams.http.v3.HttpProtocolOptions'),
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
          transport_socket: {
            name: TLS,
            typed_config: {
              '@type': type('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext'),
              sni: IN_CLUSTER_API_HOST,
              common_tls_context: { alpn_protocols: ['h2'], validation_context: { trusted_ca: { inline_string: o.caPem } } },
            },
          },
        },
      ],
    },
  };
}

export type EnvoyPeerLookup = { ok: true; binary: string } | { ok: false; message: string };

/** The Envoy binary of `npm run binaries`, or why the Envoy peer is skipped. */
export function findEnvoyPeer(): EnvoyPeerLookup {
  const binary = locateBinary('envoy');
  return binary
    ? { ok: true, binary }
    : { ok: false, message: `envoy ${ENVOY_VERSION} (the gateway peer) is not installed: run npm run binaries; its runs are skipped` };
}

export async function startEnvoyPeer(binary: string, o: EnvoyPeerOptions): Promise<EnvoyProcess & { version: string }> {
  const envoy = await startEnvoy({
    name: 'envoy-peer',
    binary,
    bootstrap: envoyPeerBootstrap(o),
    workDir: o.dir,
    adminAddress: `${o.ip}:${o.adminPort}`,
    concurrency: o.concurrency ?? 1,
    // Far from the binary target's base ids (5536 + pod index), so a bench may run next to a binary-target run.
    baseId: 7300,
  });
  return { ...envoy, version: `envoy ${ENVOY_VERSION}` };
}

/** The Envoy peer on the bench's testbed, at the fourth gateway address (the gateway and two HAProxys take the first three); stopped with the testbed. */
export async function startEnvoyOnTestbed(bed: Testbed, binary: string, dir: string): Promise<{ address: string; version: string }> {
  const ip = bed.gatewayIp(3);
  const envoy = await startEnvoyPeer(binary, {
    dir: fs.mkdtempSync(path.join(dir, 'envoy-')),
    ip,
    port: GATEWAY_PORT,
    adminPort: GATEWAY_PORT + 1,
    replicas: bed.replicas,
    serving: bed.serving,
    caPem: bed.caPem,
  });
  bed.onClose(() => envoy.close());
  return { address: `${ip}:${GATEWAY_PORT}`, version: envoy.version };
}
