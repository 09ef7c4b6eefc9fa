// The Istio objects the gateway is configured from, read out of the SAME manifests the kind target renders
// (scripts/targets/kind/manifests/istio.ts: gatewayWideObjects, controlPlaneIstioObjects): Gateways,
// VirtualServices, DestinationRules, EnvoyFilters and the TLS Secrets their credentialName fields name. Each object is
// checked for fields this translation does not implement, so a renderer change can never be dropped silently
// (docs/binary-target-envoy.md#what-is-read).
import { GATEWAY_SERVICE_PORT } from '../../../cluster/gardener.ts';
import type { ClusterPlan } from '../../../cluster/plan.ts';
import type { PemSource } from '../../../cluster/certificates.ts';
import { GATEWAY_TARGET_PORT } from '../../../../webhook/constants.ts';
import type { RenderContext } from '../../kind/manifests/common.ts';
import { controlPlaneIstioObjects, gatewayWideObjects } from '../../kind/manifests/istio.ts';
import type { KubeManifest } from '../../kind/steps.ts';
import { isObject, type JsonObject } from './protoMerge.ts';

export interface ServerTls {
  mode: 'SIMPLE' | 'MUTUAL' | 'OPTIONAL_MUTUAL' | 'PASSTHROUGH';
  credentialName?: string;
}
export interface GatewayServer {
  hosts: string[];
  port: { number: number; name: string; protocol: string };
  tls?: ServerTls;
}
export interface Destination {
  host: string;
  port: { number: number };
}
export interface HttpRoute {
  name?: string;
  match?: { headers?: Record<string, { exact?: string }> }[];
  route: { destination: Destination }[];
}
export interface TlsRoute {
  match: { port?: number; sniHosts: string[] }[];
  route: { destination: Destination }[];
}
export interface TrafficPolicy {
  loadBalancer?: { simple?: string; localityLbSetting?: { enabled?: boolean; failoverPriority?: string[] } };
  connectionPool?: {
    tcp?: { maxConnectionDuration?: string; tcpKeepalive?: { time?: string; interval?: string } };
    http?: { useClientProtocol?: boolean };
  };
  outlierDetection?: { minHealthPercent?: number };
  tls?: { mode: 'DISABLE' | 'SIMPLE' | 'MUTUAL'; credentialName?: string; sni?: string };
}
export interface EnvoyFilterPatch {
  applyTo: string;
  match: JsonObject;
  patch: { operation: string; value: JsonObject };
}

interface Named<T> {
  name: string;
  namespace: string;
  spec: T;
}

export interface IstioObjects {
  gateways: Named<{ selector: Record<string, string>; servers: GatewayServer[] }>[];
  virtualServices: Named<{ hosts: string[]; gateways: string[]; http?: HttpRoute[]; tls?: TlsRoute[] }>[];
  destinationRules: Named<{ host: string; trafficPolicy?: TrafficPolicy }>[];
  envoyFilters: Named<{ workloadSelector?: { labels: Record<string, string> }; priority?: number; configPatches: EnvoyFilterPatch[] }>[];
  /** namespace/name → decoded data. */
  secrets: Map<string, Record<string, string>>;
}

/** What a control plane contributes: its plan and certificates (all controlPlaneIstioObjects reads of a RenderContext). */
export interface GatewayControlPlane {
  plan: ClusterPlan;
  pems: PemSource;
}

/**
 * The objects the kind target applies for a seed's gateway: the gateway-wide EnvoyFilters (from the control plane
 * under test, first) and every control plane's own objects, exactly as scripts/targets/kind/plans.ts renders them.
 */
export function renderGatewayObjects(controlPlanes: GatewayControlPlane[]): KubeManifest[] {
  const first = controlPlanes[0];
  if (!first) throw new Error('the gateway needs at least one control plane');
  return [
    ...gatewayWideObjects(first.plan.istioNamespace, first.plan.topology.gateway.maxConcurrentStreams),
    // controlPlaneIstioObjects reads only `plan` and `pems` of its RenderContext (the runtime secrets and kind options
    // are for other manifests), so the binary target passes those two.
    ...controlPlanes.flatMap((c) => controlPlaneIstioObjects({ plan: c.plan, pems: c.pems } as RenderContext)),
  ];
}

/** The gateway Service's ports (Gardener's istio-ingressgateway-internal: tcp 443 → 9443). */
export const GATEWAY_SERVICE_PORTS: Record<number, number> = { [GATEWAY_SERVICE_PORT]: GATEWAY_TARGET_PORT };

const KNOWN_SPEC_FIELDS: Record<string, string[]> = {
  Gateway: ['selector', 'servers'],
  VirtualService: ['hosts', 'gateways', 'http', 'tls', 'exportTo'],
  DestinationRule: ['host', 'trafficPolicy', 'exportTo'],
  EnvoyFilter: ['workloadSelector', 'configPatches', 'priority'],
};

/** Sorts the manifests into the kinds above; anything else (or a field not implemented) is a one-line error. */
export function readIstioObjects(objects: KubeManifest[]): IstioObjects {
  const result: IstioObjects = { gateways: [], virtualServices: [], destinationRules: [], envoyFilters: [], secrets: new Map() };
  for (const object of objects) {
    const name = object.metadata.name;
    const namespace = object.metadata.namespace ?? 'default';
    const where = `${object.kind} ${namespace}/${name}`;
    if (object.kind === 'Secret') {
      result.secrets.set(`${namespace}/${name}`, decodeSecret(object, where));
      continue;
    }
    const known = KNOWN_SPEC_FIELDS[object.kind];
    if (!known || !object.apiVersion.startsWith('networking.istio.io/'))
      throw new Error(`${where} (${object.apiVersion}): not an object the gateway translation reads`);
    const spec = object.spec;
    if (!isObject(spec)) throw new Error(`${where}: no spec`);
    const unknown = Object.keys(spec).filter((k) => !known.includes(k));
    if (unknown.length > 0) throw new Error(`${where}: spec field(s) ${unknown.join(', ')} are not implemented by the Envoy translation`);
    const named = { name, namespace, spec } as Named<never>;
    if (object.kind === 'Gateway') result.gateways.push(named);
    else if (object.kind === 'VirtualService') result.virtualServices.push(named);
    else if (object.kind === 'DestinationRule') result.destinationRules.push(named);
    else result.envoyFilters.push(named);
  }
  return result;
}

function decodeSecret(object: KubeManifest, where: string): Record<string, string> {
  const data = object.data;
  if (!isObject(data)) throw new Error(`${where}: no data`);
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')]));
}

/** Refuses fields of an object part that the translation does not implement (one line naming them). */
export function assertFields(value: object | undefined, allowed: string[], where: string): void {
  const unknown = Object.keys(value ?? {}).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new Error(`${where}: field(s) ${unknown.join(', ')} are not implemented by the Envoy translation`);
}

/** `namespace/name` or `name` in `namespace` (how a VirtualService names its gateways). */
export function qualifiedName(reference: string, namespace: string): string {
  return reference.includes('/') ? reference : `${namespace}/${reference}`;
}
