// The Envoy type URLs and small value builders the gateway translation shares (Envoy 1.37 v3 API; every type here is
// in the official envoy binary, none is an Istio proxy extension: docs/binary-target-envoy.md#what-differs).
import type { JsonObject } from './protoMerge.ts';

const T = 'type.googleapis.com/envoy.';
export const TYPE = {
  hcm: `${T}extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  tcpProxy: `${T}extensions.filters.network.tcp_proxy.v3.TcpProxy`,
  tlsInspector: `${T}extensions.filters.listener.tls_inspector.v3.TlsInspector`,
  downstreamTls: `${T}extensions.transport_sockets.tls.v3.DownstreamTlsContext`,
  upstreamTls: `${T}extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  httpProtocolOptions: `${T}extensions.upstreams.http.v3.HttpProtocolOptions`,
  router: `${T}extensions.filters.http.router.v3.Router`,
  grpcStats: `${T}extensions.filters.http.grpc_stats.v3.FilterConfig`,
  fault: `${T}extensions.filters.http.fault.v3.HTTPFault`,
  cors: `${T}extensions.filters.http.cors.v3.Cors`,
  previousHosts: `${T}extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate`,
  clusterLoadAssignment: `${T}config.endpoint.v3.ClusterLoadAssignment`,
  downstreamConnections: `${T}extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig`,
} as const;

/** The key of HttpProtocolOptions in a cluster's typed_extension_protocol_options. */
export const HTTP_PROTOCOL_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

export function socketAddress(ip: string, port: number): JsonObject {
  return { socket_address: { address: ip, port_value: port } };
}

/** A PEM as an inline DataSource. */
export function inline(pem: string): JsonObject {
  return { inline_string: pem };
}

/** Istio's outbound cluster name (pilot/pkg/model/service.go BuildSubsetKey): `outbound|<port>||<host>`. */
export function outboundClusterName(host: string, port: number): string {
  return `outbound|${port}||${host}`;
}

/** Whole seconds of an Istio duration string (`7200s`, `1h`, `75s`); protobuf Duration JSON is `<seconds>s`. */
export function durationSeconds(value: string, where: string): number {
  const match = /^(\d+(?:\.\d+)?)(h|m|s|ms)$/.exec(value);
  if (!match) throw new Error(`${where}: "${value}" is not a duration`);
  const factor = { h: 3600, m: 60, s: 1, ms: 0.001 }[match[2] as 'h' | 'm' | 's' | 'ms'];
  return Number(match[1]) * factor;
}
