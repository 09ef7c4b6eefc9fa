// DestinationRule → Envoy Cluster, field by field as Istio 1.29 builds an outbound cluster for a gateway
// (docs/binary-target-envoy.md#destinationrule--cluster; istio/istio pilot/pkg/networking/core/cluster_builder.go
// buildCluster, maybeApplyEdsConfig, (*clusterWrapper).build; cluster_traffic_policy.go applyConnectionPool,
// applyLoadBalancer, applyOutlierDetection, getDefaultCircuitBreakerThresholds; cluster.go applyTCPKeepalive;
// cluster_tls.go buildUpstreamClusterTLSContext). Endpoints come through EDS (endpointFiles.ts) instead of ADS.
import { assertFields, type TrafficPolicy } from './istioObjects.ts';
import { durationSeconds, HTTP_PROTOCOL_OPTIONS_KEY, inline, TYPE } from './envoyTypes.ts';
import type { JsonObject } from './protoMerge.ts';

/** Mesh default connectTimeout (pkg/config/mesh/mesh.go DefaultMeshConfig). */
const MESH_CONNECT_TIMEOUT = '10s';
const UNLIMITED = 4294967295;

export interface ClusterInput {
  name: string;
  policy: TrafficPolicy | undefined;
  /** Where the policy came from, for error messages. */
  where: string;
  /** The EDS ConfigSource of this cluster (file-based here, ADS in Istio). */
  edsConfig: JsonObject;
  /** The Secret a credentialName names, decoded (in the gateway's namespace). */
  secret: (credentialName: string, where: string) => Record<string, string>;
}

export function outboundCluster(input: ClusterInput): JsonObject {
  const { name, policy, where } = input;
  assertFields(policy, ['loadBalancer', 'connectionPool', 'outlierDetection', 'tls'], `${where} trafficPolicy`);
  const cluster: JsonObject = {
    name,
    type: 'EDS',
    eds_cluster_config: { service_name: name, eds_config: input.edsConfig },
    // util.DelimitedStatsPrefix: cluster stats are named `cluster.<name>;.<stat>`.
    alt_stat_name: `${name};`,
    connect_timeout: MESH_CONNECT_TIMEOUT,
    common_lb_config: {},
    circuit_breakers: {
      // DISABLE_TRACK_REMAINING_CB_METRICS=true (pilot/pkg/features/pilot.go) leaves track_remaining false.
      thresholds: [{ max_connections: UNLIMITED, max_pending_requests: UNLIMITED, max_requests: UNLIMITED, max_retries: UNLIMITED }],
    },
  };
  const protocolOptions = httpProtocolOptions(policy?.connectionPool, where);
  if (protocolOptions) cluster.typed_extension_protocol_options = { [HTTP_PROTOCOL_OPTIONS_KEY]: protocolOptions };
  const keepalive = policy?.connectionPool?.tcp?.tcpKeepalive;
  if (keepalive) {
    assertFields(keepalive, ['time', 'interval'], `${where} tcpKeepalive`);
    cluster.upstream_connection_options = {
      tcp_keepalive: {
        ...(keepalive.time ? { keepalive_time: durationSeconds(keepalive.time, where) } : {}),
        ...(keepalive.interval ? { keepalive_interval: durationSeconds(keepalive.interval, where) } : {}),
      },
    };
  }
  applyOutlierDetection(cluster, policy?.outlierDetection, where);
  applyLoadBalancer(cluster, policy?.loadBalancer, where);
  const transportSocket = upstreamTls(policy?.tls, input, where);
  if (transportSocket) cluster.transport_socket = transportSocket;
  return cluster;
}

/** applyConnectionPool + setUseDownstreamProtocol + (*clusterWrapper).build's default explicit HTTP/1.1 config. */
function httpProtocolOptions(pool: TrafficPolicy['connectionPool'], where: string): JsonObject | undefined {
  assertFields(pool, ['tcp', 'http'], `${where} connectionPool`);
  assertFields(pool?.tcp, ['maxConnectionDuration', 'tcpKeepalive'], `${where} connectionPool.tcp`);
  assertFields(pool?.http, ['useClientProtocol'], `${where} connectionPool.http`);
  const maxConnectionDuration = pool?.tcp?.maxConnectionDuration;
  const useClientProtocol = pool?.http?.useClientProtocol === true;
  if (!maxConnectionDuration && !useClientProtocol) return undefined;
  return {
    '@type': TYPE.httpProtocolOptions,
    ...(maxConnectionDuration ? { common_http_protocol_options: { max_connection_duration: `${durationSeconds(maxConnectionDuration, where)}s` } } : {}),
    ...(useClientProtocol
      ? { use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: {} } }
      : { explicit_http_config: { http_protocol_options: {} } }),
  };
}

/** applyOutlierDetection: success-rate ejection off, and minHealthPercent becomes the healthy panic threshold. */
function applyOutlierDetection(cluster: JsonObject, outlier: TrafficPolicy['outlierDetection'], where: string): void {
  if (!outlier) return;
  assertFields(outlier, ['minHealthPercent'], `${where} outlierDetection`);
  cluster.outlier_detection = { enforcing_success_rate: 0 };
  if (outlier.minHealthPercent !== undefined && outlier.minHealthPercent >= 0)
    cluster.common_lb_config = { ...(cluster.common_lb_config as JsonObject), healthy_panic_threshold: { value: outlier.minHealthPercent } };
}

/**
 * applyLoadBalancer: LEAST_REQUEST (also the default) without least_request_lb_config, so Envoy's choice_count 2;
 * locality weighting only when failover can work (outlier detection set and failoverPriority given).
 */
function applyLoadBalancer(cluster: JsonObject, lb: TrafficPolicy['loadBalancer'], where: string): void {
  assertFields(lb, ['simple', 'localityLbSetting'], `${where} loadBalancer`);
  const simple = lb?.simple ?? 'LEAST_REQUEST';
  const policies: Record<string, string> = { LEAST_REQUEST: 'LEAST_REQUEST', LEAST_CONN: 'LEAST_REQUEST', ROUND_ROBIN: 'ROUND_ROBIN', RANDOM: 'RANDOM' };
  const lbPolicy = policies[simple];
  if (!lbPolicy) throw new Error(`${where}: loadBalancer.simple ${simple} is not implemented by the Envoy translation`);
  cluster.lb_policy = lbPolicy;
  const locality = lb?.localityLbSetting;
  assertFields(locality, ['enabled', 'failoverPriority'], `${where} localityLbSetting`);
  if (locality?.enabled !== false && cluster.outlier_detection && (locality?.failoverPriority?.length ?? 0) > 0)
    cluster.common_lb_config = { ...(cluster.common_lb_config as JsonObject), locality_weighted_lb_config: {} };
}

/**
 * DestinationRule tls → UpstreamTlsContext: the explicit SNI, TLS 1.2–1.3, the credential's CA (Istio:
 * `kubernetes://<credentialName>-cacert` over SDS; here inline), and for MUTUAL its certificate and key (the
 * gateway's front-proxy client certificate). No ALPN list: Envoy offers the pool's protocol.
 */
function upstreamTls(tls: TrafficPolicy['tls'], input: ClusterInput, where: string): JsonObject | undefined {
  if (!tls || tls.mode === 'DISABLE') return undefined;
  assertFields(tls, ['mode', 'credentialName', 'sni'], `${where} tls`);
  if (tls.mode !== 'SIMPLE' && tls.mode !== 'MUTUAL') throw new Error(`${where}: tls.mode ${String(tls.mode)} is not implemented by the Envoy translation`);
  if (!tls.credentialName) throw new Error(`${where}: tls without credentialName is not implemented (no system CA bundle on the gateway)`);
  const secret = input.secret(tls.credentialName, where);
  const common: JsonObject = {
    tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' },
    validation_context: { trusted_ca: inline(required(secret, 'cacert', tls.credentialName)) },
  };
  if (tls.mode === 'MUTUAL')
    common.tls_certificates = [
      { certificate_chain: inline(required(secret, 'cert', tls.credentialName)), private_key: inline(required(secret, 'key', tls.credentialName)) },
    ];
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: { '@type': TYPE.upstreamTls, ...(tls.sni ? { sni: tls.sni } : {}), common_tls_context: common },
  };
}

export function required(secret: Record<string, string>, key: string, name: string): string {
  const value = secret[key];
  if (!value) throw new Error(`secret ${name} has no "${key}"`);
  return value;
}
