// Turns a pod's request mix into concrete REST calls in the real paths and JSON shapes, the way a controller built on
// client-go would issue them: GET/LIST of its own objects (LIST with a label selector, as informers of a controller's
// own objects do), unconditional PUT updates (no resourceVersion), merge-patches, creates and deletes.
import type { Rng } from '../../scripts/core/random.ts';
import type { ClientPodSpec, ClientResource, ClientVerb, MixEntry } from '../../scripts/core/clientPod.ts';

export interface RestCall {
  verb: ClientVerb | 'watch';
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: string;
  contentType?: string;
  resource: ClientResource;
}

const GROUP_PATH: Record<ClientResource, string> = {
  configmaps: '/api/v1',
  secrets: '/api/v1',
  pods: '/api/v1',
  services: '/api/v1',
  events: '/api/v1',
  leases: '/apis/coordination.k8s.io/v1',
};

export const OWNER_LABEL = 'sim.gardener.cloud/client';

export function collectionPath(resource: ClientResource, namespace: string): string {
  return `${GROUP_PATH[resource]}/namespaces/${namespace}/${resource}`;
}

export function objectName(pod: string, resource: ClientResource, index: number): string {
  return `${pod}-${resource.slice(0, 3)}-${index}`;
}

/** A body for each resource kind, small and valid for a real kube-apiserver. */
export function objectBody(resource: ClientResource, namespace: string, name: string, pod: string, counter: number): Record<string, unknown> {
  const metadata = { name, namespace, labels: { [OWNER_LABEL]: pod } };
  switch (resource) {
    case 'configmaps':
      return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { generation: String(counter), payload: 'x'.repeat(64) } };
    case 'secrets':
      return { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata, data: { token: Buffer.from(`token-${counter}`).toString('base64') } };
    case 'leases':
      return {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata,
        spec: { holderIdentity: pod, leaseDurationSeconds: 15, renewTime: new Date().toISOString().replace('Z', '000Z'), leaseTransitions: counter },
      };
    case 'pods':
      return { apiVersion: 'v1', kind: 'Pod', metadata, spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] } };
    case 'services':
      return {
        apiVersion: 'v1',
        kind: 'Service',
        metadata,
        spec: { type: 'ClusterIP', ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], selector: { app: name } },
      };
    case 'events':
      return {
        apiVersion: 'v1',
        kind: 'Event',
        metadata,
        involvedObject: { kind: 'Pod', namespace, name: pod },
        reason: 'Simulated',
        message: `event ${counter}`,
        type: 'Normal',
        source: { component: pod },
      };
  }
}

export class RequestMix {
  private readonly entries: MixEntry[];
  private readonly totalWeight: number;
  private counter = 0;
  /** Names this pod created with `create`, which `delete` removes again (FIFO). */
  private readonly created: Map<ClientResource, string[]> = new Map();

  constructor(
    private readonly pod: ClientPodSpec,
    private readonly rng: Rng,
  ) {
    this.entries = pod.mix;
    this.totalWeight = this.entries.reduce((s, e) => s + e.weight, 0);
    if (!(this.totalWeight > 0)) throw new Error(`pod ${pod.name}: the request mix needs a positive total weight`);
  }

  /** The objects the mix reads and updates, created (if missing) during prepare. */
  seedObjects(): { resource: ClientResource; name: string; body: string }[] {
    const out: { resource: ClientResource; name: string; body: string }[] = [];
    const seen = new Set<string>();
    for (const entry of this.entries) {
      for (let i = 0; i < entry.objects; i++) {
        const name = objectName(this.pod.name, entry.resource, i);
        if (seen.has(`${entry.resource}/${name}`)) continue;
        seen.add(`${entry.resource}/${name}`);
        out.push({ resource: entry.resource, name, body: JSON.stringify(objectBody(entry.resource, this.pod.namespace, name, this.pod.name, 0)) });
      }
    }
    return out;
  }

  next(): RestCall {
    let pick = this.rng.next() * this.totalWeight;
    let entry = this.entries[this.entries.length - 1]!;
    for (const e of this.entries) {
      pick -= e.weight;
      if (pick < 0) {
        entry = e;
        break;
      }
    }
    this.counter++;
    const ns = this.pod.namespace;
    const collection = collectionPath(entry.resource, ns);
    const existing = objectName(this.pod.name, entry.resource, this.rng.int(entry.objects));
    switch (entry.verb) {
      case 'get':
        return { verb: 'get', method: 'GET', path: `${collection}/${existing}`, resource: entry.resource };
      case 'list':
        return {
          verb: 'list',
          method: 'GET',
          path: `${collection}?labelSelector=${encodeURIComponent(`${OWNER_LABEL}=${this.pod.name}`)}&limit=500`,
          resource: entry.resource,
        };
      case 'update':
        return {
          verb: 'update',
          method: 'PUT',
          path: `${collection}/${existing}`,
          body: JSON.stringify(objectBody(entry.resource, ns, existing, this.pod.name, this.counter)),
          contentType: 'application/json',
          resource: entry.resource,
        };
      case 'patch':
        return {
          verb: 'patch',
          method: 'PATCH',
          path: `${collection}/${existing}`,
          body: JSON.stringify({ metadata: { annotations: { 'sim.gardener.cloud/touched': String(this.counter) } } }),
          contentType: 'application/merge-patch+json',
          resource: entry.resource,
        };
      case 'create': {
        const name = `${this.pod.name}-${entry.resource.slice(0, 3)}-c${this.counter}`;
        const list = this.created.get(entry.resource) ?? [];
        list.push(name);
        this.created.set(entry.resource, list);
        return {
          verb: 'create',
          method: 'POST',
          path: collection,
          body: JSON.stringify(objectBody(entry.resource, ns, name, this.pod.name, this.counter)),
          contentType: 'application/json',
          resource: entry.resource,
        };
      }
      case 'delete': {
        const name = this.created.get(entry.resource)?.shift() ?? `${this.pod.name}-${entry.resource.slice(0, 3)}-gone`;
        return { verb: 'delete', method: 'DELETE', path: `${collection}/${name}`, resource: entry.resource };
      }
    }
  }
}
