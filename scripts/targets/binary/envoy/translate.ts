// The Istio objects of a gateway → the Envoy listeners and clusters istiod would push to it (docs/binary-target-envoy.md):
// every Gateway selecting the gateway's labels, its servers grouped by the Service target port they bind to (one
// listener per port, `0.0.0.0_<port>`), one filter chain per HTTPS server (routes from the VirtualServices bound to
// it) or per passthrough TLS route, one EDS cluster per destination with its DestinationRule's policy, and then the
// EnvoyFilters. Pure: the objects in, JSON config out; nothing is started.
import { GATEWAY_LABELS, KUBE_APISERVER_PORT } from '../../../cluster/gardener.ts';
import type { KubeManifest } from '../../kind/steps.ts';
import { outboundCluster } from './clusters.ts';
import { outboundClusterName, socketAddress, TYPE } from './envoyTypes.ts';
import { applyEnvoyFilters, type GatewayResources } from './envoyFilters.ts';
import { passthroughFilterChain, terminatingFilterChain } from './filterChains.ts';
import { gatewayHttpConnectionManager } from './httpConnectionManager.ts';
import {
  assertFields,
  GATEWAY_SERVICE_PORTS,
  qualifiedName,
  readIstioObjects,
  type Destination,
  type GatewayServer,
  type IstioObjects,
} from './istioObjects.ts';
import type { JsonObject } from './protoMerge.ts';
import { destinationsOf, routeConfiguration, routeConfigurationName } from './routeConfiguration.ts';

export interface TranslationInput {
  objects: KubeManifest[];
  /** The gateway's namespace: where credentialName secrets are read and namespaced EnvoyFilters apply. */
  namespace: string;
  /** The gateway pods' labels (Gateway selectors, EnvoyFilter workload selectors); default Gardener's. */
  labels?: Record<string, string>;
  /** The gateway Service's port → target port (default tcp 443 → 9443). */
  servicePorts?: Record<number, number>;
  /** Where the listener for a target port binds (Istio: 0.0.0.0:<target port> in the pod's network namespace). */
  bind: (targetPort: number) => { ip: string; port: number };
  /** The port of the Services the DestinationRules name (default kube-apiserver's 443). */
  kubeServicePort?: number;
  /** The EDS ConfigSource for a cluster (endpointFiles.ts). */
  edsConfig: (cluster: string) => JsonObject;
}

export interface GatewayTranslation {
  listeners: JsonObject[];
  clusters: JsonObject[];
}

export function translateGateway(input: TranslationInput): GatewayTranslation {
  const objects = readIstioObjects(input.objects);
  const labels = input.labels ?? { ...GATEWAY_LABELS };
  const secret = (name: string, where: string) => {
    const data = objects.secrets.get(`${input.namespace}/${name}`);
    if (!data) throw new Error(`${where}: credentialName ${name}: no Secret ${input.namespace}/${name} among the objects`);
    return data;
  };
  const gateways = objects.gateways.filter((g) => Object.entries(g.spec.selector).every(([k, v]) => labels[k] === v));
  const chainsByPort = new Map<number, JsonObject[]>();
  const destinations: Destination[] = [];
  for (const gateway of gateways)
    for (const [index, server] of gateway.spec.servers.entries()) {
      const where = `Gateway ${gateway.namespace}/${gateway.name} servers[${index}]`;
      assertFields(server, ['hosts', 'port', 'tls'], where);
      const targetPort = (input.servicePorts ?? GATEWAY_SERVICE_PORTS)[server.port.number];
      if (targetPort === undefined) throw new Error(`${where}: port ${server.port.number} is not a port of the gateway Service`);
      const built = serverChains(objects, gateway, server, targetPort, where, secret);
      destinations.push(...built.destinations);
      chainsByPort.set(targetPort, [...(chainsByPort.get(targetPort) ?? []), ...built.chains]);
    }
  // istiod builds a cluster for every port of every Service the gateway sees, routed to or not: the DestinationRules'
  // hosts are those Services here (the -mtls one is reached only through an EnvoyFilter route).
  const servicePort = input.kubeServicePort ?? KUBE_APISERVER_PORT;
  const ruleHosts = objects.destinationRules.map((r) => ({ host: r.spec.host, port: { number: servicePort } }));
  const clusterNames = [...new Set([...destinations, ...ruleHosts].map((d) => outboundClusterName(d.host, d.port.number)))];
  const resources: GatewayResources = {
    listeners: [...chainsByPort].map(([port, chains]) => ({ port, listener: gatewayListener(port, input.bind(port), chains) })),
    clusters: clusterNames.map((name) => {
      const host = name.split('||')[1]!;
      const rule = objects.destinationRules.find((r) => r.spec.host === host);
      return outboundCluster({
        name,
        policy: rule?.spec.trafficPolicy,
        where: rule ? `DestinationRule ${rule.namespace}/${rule.name}` : `cluster ${name}`,
        edsConfig: input.edsConfig(name),
        secret,
      });
    }),
  };
  const patched = applyEnvoyFilters(resources, objects, { namespace: input.namespace, labels });
  return { listeners: patched.listeners.map((l) => l.listener), clusters: patched.clusters };
}

/** core/gateway.go buildGatewayListener: named after the wildcard address Istio binds, with the TLS inspector. */
function gatewayListener(port: number, bind: { ip: string; port: number }, chains: JsonObject[]): JsonObject {
  return {
    name: `0.0.0.0_${port}`,
    address: socketAddress(bind.ip, bind.port),
    traffic_direction: 'OUTBOUND',
    listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': TYPE.tlsInspector, initial_read_buffer_size: 512 } }],
    filter_chains: chains,
    max_connections_to_accept_per_socket_event: 1,
  };
}

type NamedGateway = IstioObjects['gateways'][number];

function serverChains(
  objects: IstioObjects,
  gateway: NamedGateway,
  server: GatewayServer,
  targetPort: number,
  where: string,
  secret: (name: string, where: string) => Record<string, string>,
): { chains: JsonObject[]; destinations: Destination[] } {
  const gatewayRef = `${gateway.namespace}/${gateway.name}`;
  const bound = objects.virtualServices.filter((vs) => vs.spec.gateways.some((g) => qualifiedName(g, vs.namespace) === gatewayRef));
  const tls = server.tls;
  assertFields(tls, ['mode', 'credentialName'], `${where} tls`);
  if (server.port.protocol === 'TLS' && tls?.mode === 'PASSTHROUGH') {
    const routes = bound.flatMap((vs) => (vs.spec.tls ?? []).filter((r) => r.match.some((m) => m.port === undefined || m.port === server.port.number)));
    return {
      chains: routes.map((route) => {
        const destination = route.route[0]!.destination;
        const rule = objects.destinationRules.find((r) => r.spec.host === destination.host);
        return passthroughFilterChain({
          route,
          cluster: outboundClusterName(destination.host, destination.port.number),
          maxConnectionDuration: rule?.spec.trafficPolicy?.connectionPool?.tcp?.maxConnectionDuration,
        });
      }),
      destinations: destinationsOf(routes),
    };
  }
  if (server.port.protocol !== 'HTTPS' || !tls || tls.mode === 'PASSTHROUGH' || !tls.credentialName)
    throw new Error(
      `${where}: ${server.port.protocol} with tls mode ${tls?.mode ?? 'none'} is not implemented by the Envoy translation (HTTPS with a credentialName, or TLS PASSTHROUGH)`,
    );
  const name = routeConfigurationName(server, gateway);
  const virtualHosts = bound.flatMap((vs) =>
    vs.spec.hosts
      .filter((host) => server.hosts.some((h) => h.slice(h.indexOf('/') + 1) === host))
      .map((host) => ({ host, port: server.port.number, routes: vs.spec.http ?? [], where: `VirtualService ${vs.namespace}/${vs.name}` })),
  );
  const httpConnectionManager = gatewayHttpConnectionManager(`outbound_0.0.0.0_${targetPort}`, routeConfiguration(name, virtualHosts));
  const chain = terminatingFilterChain({ server, secret: secret(tls.credentialName, where), credentialName: tls.credentialName, httpConnectionManager });
  return { chains: [chain], destinations: destinationsOf(virtualHosts.flatMap((v) => v.routes)) };
}
