// One Envoy filter chain per Gateway server (docs/binary-target-envoy.md#gateway--listener; istio/istio
// pilot/pkg/networking/core/gateway.go createGatewayHTTPFilterChainOpts, createGatewayTCPFilterChainOpts,
// buildGatewayNetworkFiltersFromTLSRoutes; listener.go toFilterChainMatch, BuildListenerTLSContext;
// networkfilter.go buildOutboundNetworkFiltersWithSingleDestination): a TLS-terminating chain (the credential's
// certificate, client certificates requested and verified for (OPTIONAL_)MUTUAL) with an HttpConnectionManager, or
// for PASSTHROUGH a tcp_proxy per VirtualService TLS route. Chains match on SNI only; there is no default chain, so
// a connection without a known SNI is closed.
import type { GatewayServer, TlsRoute } from './istioObjects.ts';
import { required } from './clusters.ts';
import { inline, TYPE } from './envoyTypes.ts';
import type { JsonObject } from './protoMerge.ts';

/** defaultGatewayTransportSocketConnectTimeout. */
const TRANSPORT_SOCKET_CONNECT_TIMEOUT = '15s';

export interface TerminatingChainInput {
  server: GatewayServer;
  secret: Record<string, string>;
  credentialName: string;
  httpConnectionManager: JsonObject;
}

export function terminatingFilterChain(input: TerminatingChainInput): JsonObject {
  const { server, secret, credentialName } = input;
  const mode = server.tls!.mode;
  const common: JsonObject = {
    alpn_protocols: ['h2', 'http/1.1'],
    tls_certificates: [{ certificate_chain: inline(required(secret, 'cert', credentialName)), private_key: inline(required(secret, 'key', credentialName)) }],
  };
  // OPTIONAL_MUTUAL and MUTUAL: Istio adds `kubernetes://<credentialName>-cacert`, the secret's `cacert`; the client
  // certificate is then requested and verified when sent (required only for MUTUAL).
  if (mode !== 'SIMPLE') common.validation_context = { trusted_ca: inline(required(secret, 'cacert', credentialName)) };
  return {
    filter_chain_match: { server_names: sniHosts(server.hosts) },
    transport_socket: {
      name: 'envoy.transport_sockets.tls',
      typed_config: { '@type': TYPE.downstreamTls, require_client_certificate: mode === 'MUTUAL', common_tls_context: common },
    },
    filters: [input.httpConnectionManager],
    transport_socket_connect_timeout: TRANSPORT_SOCKET_CONNECT_TIMEOUT,
  };
}

export interface PassthroughChainInput {
  route: TlsRoute;
  cluster: string;
  /** The destination's DestinationRule connectionPool.tcp.maxConnectionDuration, if any. */
  maxConnectionDuration?: string;
}

export function passthroughFilterChain(input: PassthroughChainInput): JsonObject {
  return {
    filter_chain_match: { server_names: sniHosts(input.route.match.flatMap((m) => m.sniHosts)) },
    filters: [
      {
        name: 'envoy.filters.network.tcp_proxy',
        typed_config: {
          '@type': TYPE.tcpProxy,
          stat_prefix: input.cluster,
          cluster: input.cluster,
          ...(input.maxConnectionDuration ? { max_downstream_connection_duration: input.maxConnectionDuration } : {}),
        },
      },
    ],
  };
}

/** GetSNIHostsForServer: hosts without their `namespace/` part, sorted. */
function sniHosts(hosts: string[]): string[] {
  return hosts.map((h) => h.slice(h.indexOf('/') + 1)).sort();
}
