// The HttpConnectionManager Istio 1.29 puts on a gateway's HTTPS filter chain, before EnvoyFilters patch it
// (docs/binary-target-envoy.md#httpconnectionmanager; istio/istio pilot/pkg/networking/core/listener_builder.go
// buildHTTPConnectionManager, gateway.go buildGatewayConnectionManager, pilot/pkg/networking/util/proxy_headers.go,
// pilot/pkg/xds/filters/filters.go). Istio-only filters (istio.metadata_exchange, istio.alpn, istio.stats) are not in
// upstream Envoy and are left out; none of them changes routing or balancing.
import { TYPE } from './envoyTypes.ts';
import type { JsonObject } from './protoMerge.ts';

export const HCM_FILTER_NAME = 'envoy.filters.network.http_connection_manager';
export const ROUTER_FILTER_NAME = 'envoy.filters.http.router';

/** The HTTP filters in Istio's order (listener_builder.go), minus the Istio proxy's own; EnvoyFilters insert before the router. */
function httpFilters(): JsonObject[] {
  return [
    { name: 'envoy.filters.http.grpc_stats', typed_config: { '@type': TYPE.grpcStats, emit_filter_state: true, stats_for_all_methods: false } },
    { name: 'envoy.filters.http.fault', typed_config: { '@type': TYPE.fault } },
    { name: 'envoy.filters.http.cors', typed_config: { '@type': TYPE.cors } },
    { name: ROUTER_FILTER_NAME, typed_config: { '@type': TYPE.router } },
  ];
}

/** The HCM network filter for one HTTPS server: its routes inline (Istio: RDS over ADS with the same name). */
export function gatewayHttpConnectionManager(statPrefix: string, routeConfig: JsonObject): JsonObject {
  return {
    name: HCM_FILTER_NAME,
    typed_config: {
      '@type': TYPE.hcm,
      stat_prefix: statPrefix,
      codec_type: 'AUTO',
      route_config: routeConfig,
      http_filters: httpFilters(),
      // Gateways see the client's own address; no trusted proxies in front (empty mesh networks: no internal CIDRs).
      use_remote_address: true,
      xff_num_trusted_hops: 0,
      // A client certificate's details reach the upstream in x-forwarded-client-cert.
      forward_client_cert_details: 'SANITIZE_SET',
      set_current_client_cert_details: { subject: true, cert: true, dns: true, uri: true },
      server_name: 'istio-envoy',
      server_header_transformation: 'OVERWRITE',
      http_protocol_options: {},
      proxy_100_continue: true,
      normalize_path: true,
      merge_slashes: false,
      path_with_escaped_slashes_action: 'KEEP_UNCHANGED',
      upgrade_configs: [{ upgrade_type: 'websocket' }],
      // 0s disables the stream idle timeout (Envoy's default is 5 minutes): watches stay open.
      stream_idle_timeout: '0s',
      access_log: [],
    },
  };
}
