// Gardener's Handler.Default for pod-kube-apiserver-load-balancing (docs/webhook.md#what-it-does), with the
// error mapping of controller-runtime's CustomDefaulter (pkg/webhook/admission/defaulter_custom.go): an error that
// wraps a Kubernetes API status becomes allowed:false with *that* status (e.g. 404 NotFound for the missing
// Service); any other error becomes Denied(err) = 403 with the error text. It reads through an injected reader,
// so it is testable without a server.
import { CONFIGMAP_NAME, HOSTS_KEY, INTERNAL_SERVICE_NAME, ISTIO_NAMESPACE_KEY } from './constants.ts';
import { hostAliasOperations, labelOperations, type HostAlias, type JsonPatchOperation } from './jsonPatch.ts';
import { internalGatewayPolicyLabel, LABEL_NETWORK_POLICY_ALLOWED } from './networkPolicyLabel.ts';
import { selectGenericKubeconfig } from './selection.ts';

export interface ApiStatus {
  code: number;
  reason?: string;
  message: string;
  details?: unknown;
}

/** A failed read. `status` is set when the server answered with a Kubernetes Status (the APIStatus case). */
export class ReadError extends Error {
  constructor(
    message: string,
    readonly status?: ApiStatus,
  ) {
    super(message);
    this.name = 'ReadError';
  }
}

export interface ConfigMapLike {
  data?: Record<string, string>;
}

export interface ServiceLike {
  spec?: { clusterIP?: string; clusterIPs?: string[] };
}

/** Reads the handler needs; `undefined` means NotFound, anything else throws ReadError. */
export interface TargetReader {
  getConfigMap(namespace: string, name: string): Promise<ConfigMapLike | undefined>;
  getService(namespace: string, name: string): Promise<ServiceLike | undefined>;
}

export type HandlerOutcome =
  | { kind: 'skipped'; reason: 'no-generic-kubeconfig' | 'configmap-not-found' }
  /** `patch` is empty when everything is already in place (a reinvocation). */
  | { kind: 'mutated'; patch: JsonPatchOperation[]; hostAliases: HostAlias[]; label: string; secretName: string }
  | { kind: 'denied'; status: ApiStatus };

export interface HandlerLog {
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an admitted object is untyped JSON; the handler reads only the fields it checks
export async function defaultPod(pod: Record<string, any>, requestNamespace: string, reader: TargetReader, log: HandlerLog): Promise<HandlerOutcome> {
  const selection = selectGenericKubeconfig(pod);
  // The kube-apiserver fills in the request namespace before admission; fall back to it all the same.
  const namespace: string = (typeof pod.metadata?.namespace === 'string' && pod.metadata.namespace) || requestNamespace;
  const podKey = `${namespace}/${pod.metadata?.name ?? pod.metadata?.generateName ?? ''}`;
  if (!selection.selected) return { kind: 'skipped', reason: 'no-generic-kubeconfig' };
  log.info(selection.via === 'projected' ? 'Pod uses generic kubeconfig via projected secret' : 'Pod uses generic kubeconfig', {
    pod: podKey,
    secretName: selection.secretName,
  });

  const configMapKey = `${namespace}/${CONFIGMAP_NAME}`;
  let configMap: ConfigMapLike | undefined;
  try {
    configMap = await reader.getConfigMap(namespace, CONFIGMAP_NAME);
  } catch (error) {
    return denial(`failed to get istio-internal-load-balancing configmap "${configMapKey}": ${(error as Error).message}`, error);
  }
  // No ConfigMap: L7 load balancing is not active for this control plane.
  if (!configMap) return { kind: 'skipped', reason: 'configmap-not-found' };

  const hostsValue = configMap.data?.[HOSTS_KEY];
  if (hostsValue === undefined || hostsValue === '') {
    return { kind: 'denied', status: forbidden(`"${HOSTS_KEY}" key in configmap "${configMapKey}" provides an empty value`) };
  }
  // Gardener splits on "," without trimming or de-duplicating.
  const hosts = hostsValue.split(',');
  const istioNamespace = configMap.data?.[ISTIO_NAMESPACE_KEY] ?? '';

  const serviceKey = `${istioNamespace}/${INTERNAL_SERVICE_NAME}`;
  let service: ServiceLike | undefined;
  try {
    service = await reader.getService(istioNamespace, INTERNAL_SERVICE_NAME);
  } catch (error) {
    return denial(`failed to get internal istio-ingressgateway service "${serviceKey}": ${(error as Error).message}`, error);
  }
  if (!service) {
    // A NotFound from the client wraps the API status: controller-runtime answers with that status.
    return {
      kind: 'denied',
      status: {
        code: 404,
        reason: 'NotFound',
        message: `services "${INTERNAL_SERVICE_NAME}" not found`,
        details: { name: INTERNAL_SERVICE_NAME, kind: 'services' },
      },
    };
  }

  const clusterIPs = Array.isArray(service.spec?.clusterIPs) ? service.spec!.clusterIPs.filter((ip) => typeof ip === 'string' && ip !== '') : [];
  const existing = Array.isArray(pod.spec?.hostAliases) ? (pod.spec.hostAliases as unknown[]) : undefined;
  const additions: HostAlias[] = [];
  for (const ip of clusterIPs) {
    const alias = { ip, hostnames: [...hosts] };
    // Beyond Gardener: a reinvoked webhook must not append the same alias again (Gardener appends blindly).
    if (existing?.some((a) => sameAlias(a, alias)) || additions.some((a) => sameAlias(a, alias))) continue;
    additions.push(alias);
    log.debug('Added host alias to pod', { pod: podKey, ip, hostnames: hosts });
  }
  const label = internalGatewayPolicyLabel(istioNamespace);
  const patch = [...hostAliasOperations(existing, additions), ...labelOperations(pod.metadata, label, LABEL_NETWORK_POLICY_ALLOWED)];
  log.debug('Added network policy label to pod', { pod: podKey, label });
  return { kind: 'mutated', patch, hostAliases: additions, label, secretName: selection.secretName! };
}

function sameAlias(a: unknown, b: HostAlias): boolean {
  const x = a as HostAlias;
  return !!x && x.ip === b.ip && Array.isArray(x.hostnames) && x.hostnames.length === b.hostnames.length && x.hostnames.every((h, i) => h === b.hostnames[i]);
}

function forbidden(message: string): ApiStatus {
  return { code: 403, reason: 'Forbidden', message };
}

function denial(message: string, error: unknown): HandlerOutcome {
  if (error instanceof ReadError && error.status) return { kind: 'denied', status: error.status };
  return { kind: 'denied', status: forbidden(message) };
}
