// Gateway server + VirtualService `http` → Envoy RouteConfiguration, as Istio 1.29 builds it for a gateway
// (docs/binary-target-envoy.md#virtualservice--routeconfiguration; istio/istio pilot/pkg/networking/core/gateway.go
// buildGatewayHTTPRouteConfig, pilot/pkg/model/gateway.go gatewayRDSRouteName, core/route/route.go TranslateRoute,
// TranslateRouteMatch, translateHeaderMatch, setTimeout, SortVHostRoutes, core/route/retry/retry.go ConvertPolicy).
import { assertFields, type Destination, type GatewayServer, type HttpRoute } from './istioObjects.ts';
import { outboundClusterName, TYPE } from './envoyTypes.ts';
import type { JsonObject } from './protoMerge.ts';

/** model.gatewayRDSRouteName for an HTTPS server: `https.<port>.<port name>.<gateway>.<namespace>`. */
export function routeConfigurationName(server: GatewayServer, gateway: { name: string; namespace: string }): string {
  return `https.${server.port.number}.${server.port.name}.${gateway.name}.${gateway.namespace}`;
}

/** Istio's default retry policy when a route sets no `retries` (retry.go DefaultPolicy; no retriable codes since 1.24). */
export const DEFAULT_RETRY_POLICY: JsonObject = {
  retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  num_retries: 2,
  retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': TYPE.previousHosts } }],
  host_selection_retry_max_attempts: 5,
};

export interface VirtualHostInput {
  host: string;
  port: number;
  routes: HttpRoute[];
  where: string;
}

export function routeConfiguration(name: string, virtualHosts: VirtualHostInput[]): JsonObject {
  return {
    name,
    virtual_hosts: virtualHosts.map((v) => ({
      name: `${v.host}:${v.port}`,
      domains: [v.host],
      routes: sortCatchAllLast(v.routes.map((r, i) => httpRoute(r, `${v.where} http[${i}]`))),
      include_request_attempt_count: true,
    })),
    validate_clusters: false,
    ignore_port_in_host_matching: true,
    max_direct_response_body_size_bytes: 1048576,
  };
}

function httpRoute(route: HttpRoute, where: string): JsonObject {
  assertFields(route, ['name', 'match', 'route'], where);
  if (route.route.length !== 1) throw new Error(`${where}: ${route.route.length} destinations (weighted routes are not implemented)`);
  if ((route.match?.length ?? 0) > 1) throw new Error(`${where}: more than one match (not implemented)`);
  const destination = route.route[0]!.destination;
  return {
    ...(route.name ? { name: route.name } : {}),
    match: routeMatch(route.match?.[0], where),
    route: {
      cluster: outboundClusterName(destination.host, destination.port.number),
      // No VirtualService timeout: setTimeout disables the route timeout (0s) and max_grpc_timeout.
      timeout: '0s',
      max_grpc_timeout: '0s',
      retry_policy: DEFAULT_RETRY_POLICY,
    },
    decorator: { operation: `${destination.host}:${destination.port.number}/*` },
  };
}

/** TranslateRouteMatch: prefix `/`, case sensitive, header matchers sorted by name; an empty StringMatch means present. */
function routeMatch(match: NonNullable<HttpRoute['match']>[number] | undefined, where: string): JsonObject {
  assertFields(match, ['headers'], `${where} match`);
  const headers = Object.entries(match?.headers ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, m]) => {
      assertFields(m, ['exact'], `${where} match header ${name}`);
      return m.exact === undefined ? { name, present_match: true } : { name, string_match: { exact: m.exact } };
    });
  return { prefix: '/', case_sensitive: true, ...(headers.length > 0 ? { headers } : {}) };
}

/** SortVHostRoutes: a catch-all route (prefix `/`, no header or other condition) moves to the end. */
function sortCatchAllLast(routes: JsonObject[]): JsonObject[] {
  const isCatchAll = (r: JsonObject) => Object.keys(r.match as JsonObject).every((k) => k === 'prefix' || k === 'case_sensitive');
  return [...routes.filter((r) => !isCatchAll(r)), ...routes.filter(isCatchAll)];
}

/** Every destination a set of routes names. */
export function destinationsOf(routes: { route: { destination: Destination }[] }[]): Destination[] {
  return routes.flatMap((r) => r.route.map((d) => d.destination));
}
