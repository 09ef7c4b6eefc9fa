// EnvoyFilter patches applied to the generated gateway config the way istiod applies them
// (docs/binary-target-envoy.md#envoyfilters; istio/istio pilot/pkg/networking/core/envoyfilter/listener_patch.go,
// rc_patch.go, cluster_patch.go; order: pilot/pkg/model/push_context.go EnvoyFilters, i.e. priority, the root
// namespace first, then creation time and name; all the kind target's filters are created together, so name order).
// Only what Gardener's filters use is implemented: LISTENER / NETWORK_FILTER / CLUSTER / HTTP_ROUTE MERGE,
// HTTP_FILTER / HTTP_ROUTE INSERT_BEFORE, matched by listener port, filter and sub-filter name, route configuration,
// route and cluster name. Any other operation, target or match field is a one-line error, never silently ignored.
import { assertFields, type EnvoyFilterPatch, type IstioObjects } from './istioObjects.ts';
import { isObject, protoMerge, toProtoFieldNames, type JsonObject } from './protoMerge.ts';

export interface GatewayResources {
  /** Each listener with the port Istio knows it by (the Service target port, e.g. 9443) for `portNumber` matches. */
  listeners: { port: number; listener: JsonObject }[];
  clusters: JsonObject[];
}

export interface GatewayWorkload {
  namespace: string;
  labels: Record<string, string>;
}

/** Istio's root namespace (meshConfig.rootNamespace default): filters there apply to every workload. */
const ROOT_NAMESPACE = 'istio-system';

export function applyEnvoyFilters(resources: GatewayResources, objects: IstioObjects, workload: GatewayWorkload): GatewayResources {
  const filters = objects.envoyFilters
    .filter((f) => f.namespace === workload.namespace || f.namespace === ROOT_NAMESPACE)
    .filter((f) => Object.entries(f.spec.workloadSelector?.labels ?? {}).every(([k, v]) => workload.labels[k] === v))
    .sort(
      (a, b) =>
        (a.spec.priority ?? 0) - (b.spec.priority ?? 0) ||
        Number(b.namespace === ROOT_NAMESPACE) - Number(a.namespace === ROOT_NAMESPACE) ||
        a.name.localeCompare(b.name),
    );
  let result = structuredClone(resources);
  for (const filter of filters)
    for (const [index, patch] of filter.spec.configPatches.entries()) {
      const where = `EnvoyFilter ${filter.namespace}/${filter.name} configPatches[${index}]`;
      assertFields(patch, ['applyTo', 'match', 'patch'], where);
      const context = patch.match.context;
      if (context !== undefined && context !== 'GATEWAY' && context !== 'ANY') continue;
      result = applyPatch(result, patch, where);
    }
  return result;
}

function applyPatch(resources: GatewayResources, patch: EnvoyFilterPatch, where: string): GatewayResources {
  const value = toProtoFieldNames(patch.patch.value) as JsonObject;
  const operation = `${patch.applyTo} ${patch.patch.operation}`;
  switch (operation) {
    case 'LISTENER MERGE':
    case 'NETWORK_FILTER MERGE':
    case 'HTTP_FILTER INSERT_BEFORE':
      return { ...resources, listeners: resources.listeners.map((l) => patchListener(l, patch, value, where)) };
    case 'HTTP_ROUTE INSERT_BEFORE':
    case 'HTTP_ROUTE MERGE':
      return {
        ...resources,
        listeners: resources.listeners.map((l) => ({ ...l, listener: mapRouteConfigs(l.listener, (rc) => patchRoutes(rc, patch, value, where)) })),
      };
    case 'CLUSTER MERGE':
      return { ...resources, clusters: resources.clusters.map((c) => (clusterMatches(c, patch, where) ? protoMerge(c, value) : c)) };
    default:
      throw new Error(`${where}: ${operation} is not implemented by the Envoy translation`);
  }
}

interface ListenerMatch {
  portNumber?: number;
  filterChain?: { filter?: { name?: string; subFilter?: { name?: string } } };
}

function patchListener(entry: GatewayResources['listeners'][number], patch: EnvoyFilterPatch, value: JsonObject, where: string) {
  assertFields(patch.match, ['context', 'listener'], `${where} match`);
  const match = (patch.match.listener ?? {}) as ListenerMatch;
  assertFields(match, ['portNumber', 'filterChain'], `${where} match.listener`);
  assertFields(match.filterChain, ['filter'], `${where} match.listener.filterChain`);
  assertFields(match.filterChain?.filter, ['name', 'subFilter'], `${where} match.listener.filterChain.filter`);
  if (match.portNumber !== undefined && match.portNumber !== entry.port) return entry;
  if (patch.applyTo === 'LISTENER') return { ...entry, listener: protoMerge(entry.listener, value) };
  const filterName = match.filterChain?.filter?.name;
  const chains = (entry.listener.filter_chains as JsonObject[]).map((chain) => ({
    ...chain,
    filters: (chain.filters as JsonObject[]).map((f) => {
      if (filterName !== undefined && f.name !== filterName) return f;
      if (patch.applyTo === 'NETWORK_FILTER') return protoMerge(f, value);
      return insertHttpFilter(f, match.filterChain?.filter?.subFilter?.name, value, where);
    }),
  }));
  return { ...entry, listener: { ...entry.listener, filter_chains: chains } };
}

/** listener_patch.go patchHTTPFilters INSERT_BEFORE: before the first filter named like the sub-filter match. */
function insertHttpFilter(networkFilter: JsonObject, before: string | undefined, value: JsonObject, where: string): JsonObject {
  const config = networkFilter.typed_config as JsonObject | undefined;
  if (!config || !Array.isArray(config.http_filters)) return networkFilter;
  if (!before) throw new Error(`${where}: HTTP_FILTER INSERT_BEFORE without a subFilter match is not implemented`);
  const filters = config.http_filters as JsonObject[];
  const index = filters.findIndex((f) => f.name === before);
  if (index < 0) return networkFilter;
  return { ...networkFilter, typed_config: { ...config, http_filters: [...filters.slice(0, index), structuredClone(value), ...filters.slice(index)] } };
}

function mapRouteConfigs(listener: JsonObject, fn: (rc: JsonObject) => JsonObject): JsonObject {
  const chains = (listener.filter_chains as JsonObject[]).map((chain) => ({
    ...chain,
    filters: (chain.filters as JsonObject[]).map((f) => {
      const config = f.typed_config as JsonObject | undefined;
      return config && isObject(config.route_config) ? { ...f, typed_config: { ...config, route_config: fn(config.route_config) } } : f;
    }),
  }));
  return { ...listener, filter_chains: chains };
}

/** rc_patch.go patchHTTPRoutes: MERGE into the named route; INSERT_BEFORE the named route, or first when none is named. */
function patchRoutes(routeConfig: JsonObject, patch: EnvoyFilterPatch, value: JsonObject, where: string): JsonObject {
  assertFields(patch.match, ['context', 'routeConfiguration'], `${where} match`);
  const match = (patch.match.routeConfiguration ?? {}) as { name?: string; vhost?: { route?: { name?: string } } };
  assertFields(match, ['name', 'vhost'], `${where} match.routeConfiguration`);
  assertFields(match.vhost, ['route'], `${where} match.routeConfiguration.vhost`);
  assertFields(match.vhost?.route, ['name'], `${where} match.routeConfiguration.vhost.route`);
  if (match.name !== undefined && match.name !== routeConfig.name) return routeConfig;
  const routeName = match.vhost?.route?.name;
  const virtualHosts = (routeConfig.virtual_hosts as JsonObject[]).map((vhost) => {
    const routes = vhost.routes as JsonObject[];
    if (patch.patch.operation === 'MERGE')
      return { ...vhost, routes: routes.map((r) => (routeName === undefined || r.name === routeName ? protoMerge(r, value) : r)) };
    const index = routeName === undefined ? 0 : routes.findIndex((r) => r.name === routeName);
    if (index < 0) return vhost;
    return { ...vhost, routes: [...routes.slice(0, index), structuredClone(value), ...routes.slice(index)] };
  });
  return { ...routeConfig, virtual_hosts: virtualHosts };
}

function clusterMatches(cluster: JsonObject, patch: EnvoyFilterPatch, where: string): boolean {
  assertFields(patch.match, ['context', 'cluster'], `${where} match`);
  const match = (patch.match.cluster ?? {}) as { name?: string };
  assertFields(match, ['name'], `${where} match.cluster`);
  return match.name === undefined || match.name === cluster.name;
}
