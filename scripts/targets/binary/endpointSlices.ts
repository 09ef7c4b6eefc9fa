// The EndpointSlice controller's part on the binary target (docs/binary-target.md#endpoints): no
// kube-controller-manager runs, so the target writes each Service's EndpointSlice itself, holding only the pods whose
// readiness probe passed, as the controller does from the pods' Ready condition
// (pkg/controller/endpointslice/reconciler.go). kube-proxy reads them (its KUBE-SEP chains follow), and so does the
// gateway's EDS (the target feeds Envoy the same list).
import type { KubeApi, KubeObjectRef } from './kubeApi.ts';

export interface SliceEndpoint {
  /** The pod's name (targetRef). */
  name: string;
  ip: string;
}

/** The label that ties a slice to its Service, and who manages it (discovery.k8s.io/v1). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'apiserver-l7-testbed.binary-target';

export function endpointSliceObject(
  namespace: string,
  service: string,
  port: { name?: string; port: number },
  endpoints: SliceEndpoint[],
): KubeObjectRef & Record<string, unknown> {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-binary`, namespace, labels: { [SERVICE_NAME_LABEL]: service, [MANAGED_BY_LABEL]: MANAGED_BY } },
    addressType: 'IPv4',
    ports: [{ ...(port.name ? { name: port.name } : {}), port: port.port, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: { kind: 'Pod', namespace, name: e.name },
    })),
  };
}

/**
 * Creates or replaces the Service's slice with exactly these endpoints, in one server-side apply (its `endpoints` list
 * is atomic, discovery/v1 types.go `+listType=atomic`), so two publishes at once cannot race (a PUT that found
 * nothing and a POST that then found the other's slice: 409 AlreadyExists, as goaway-max's gateway pods once did).
 */
export async function publishEndpoints(
  api: KubeApi,
  namespace: string,
  service: string,
  port: { name?: string; port: number },
  endpoints: SliceEndpoint[],
): Promise<void> {
  await api.apply(endpointSliceObject(namespace, service, port, endpoints));
}
