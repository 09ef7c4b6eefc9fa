// The shared object store behind all replicas (the "etcd" of the control plane): one global resourceVersion
// counter, objects keyed by resource/namespace/name, a bounded event history for watch resumption, and watchers
// that every replica's watch handlers register. Objects are kept together with their JSON text, so answers are a
// string copy rather than a re-serialisation.
import { randomUUID } from 'node:crypto';
import type { ResourceInfo } from './resources.ts';
import { StatusError, statuses } from './status.ts';
import type { KubeObject } from '../../scripts/core/kubeObject.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredObject {
  object: KubeObject;
  json: string;
  rv: number;
}

export interface StoreEvent {
  type: WatchEventType;
  resource: string;
  namespace: string;
  rv: number;
  stored: StoredObject;
}

export type StoreListener = (event: StoreEvent) => void;

export interface StoreLimits {
  /** Events kept for watch resumption (etcd compaction window equivalent). */
  historySize: number;
  /** Objects at most, over all resources (bounded memory). */
  maxObjects: number;
}

const DEFAULT_LIMITS: StoreLimits = { historySize: 10_000, maxObjects: 200_000 };

export class ObjectStore {
  private revision = 1000;
  private readonly objects = new Map<string, Map<string, StoredObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<StoreListener>();
  private objectCount = 0;

  constructor(private readonly limits: StoreLimits = DEFAULT_LIMITS) {}

  get currentRevision(): number {
    return this.revision;
  }

  /** The oldest revision a watch can resume from (anything older gets 410 Expired). */
  get oldestResumableRevision(): number {
    return this.history.length === 0 ? this.revision : this.history[0]!.rv - 1;
  }

  private bucket(resource: string): Map<string, StoredObject> {
    let bucket = this.objects.get(resource);
    if (!bucket) {
      bucket = new Map();
      this.objects.set(resource, bucket);
    }
    return bucket;
  }

  getStored(resource: string, namespace: string, name: string): StoredObject | undefined {
    return this.objects.get(resource)?.get(key(namespace, name));
  }

  get(resource: string, namespace: string, name: string): KubeObject | undefined {
    const stored = this.getStored(resource, namespace, name);
    return stored ? (JSON.parse(stored.json) as KubeObject) : undefined;
  }

  /** Objects of a resource, in one namespace or all, sorted by namespace/name (etcd key order). */
  listStored(resource: string, namespace?: string): StoredObject[] {
    const bucket = this.objects.get(resource);
    if (!bucket) return [];
    const out: StoredObject[] = [];
    for (const stored of bucket.values()) {
      if (namespace === undefined || namespace === '' || stored.object.metadata.namespace === namespace) out.push(stored);
    }
    return out.sort((a, b) => compareKeys(a.object, b.object));
  }

  list(resource: string, namespace?: string): KubeObject[] {
    return this.listStored(resource, namespace).map((s) => JSON.parse(s.json) as KubeObject);
  }

  /** Objects of a resource over all namespaces (the object-count tracker's number for APF's list work estimate). */
  count(resource: string): number {
    return this.objects.get(resource)?.size ?? 0;
  }

  /**
   * `keepUid`: the object brings its own metadata.uid (objects the apiserver itself creates with a known UID, such as
   * the APF configuration, whose UIDs the X-Kubernetes-PF-* response headers carry).
   */
  create(info: ResourceInfo, namespace: string, object: KubeObject, dryRun = false, keepUid = false): StoredObject {
    const name = object.metadata.name!;
    const bucket = this.bucket(info.resource);
    if (bucket.has(key(namespace, name))) throw new StatusError(statuses.alreadyExists(info.resource, info.group, name));
    if (this.objectCount >= this.limits.maxObjects) throw new StatusError(statuses.internal(`object store is full (${this.limits.maxObjects} objects)`));
    const rv = dryRun ? this.revision : ++this.revision;
    const metadata = {
      ...object.metadata,
      name,
      ...(info.namespaced ? { namespace } : {}),
      uid: keepUid && typeof object.metadata.uid === 'string' ? object.metadata.uid : randomUUID(),
      resourceVersion: String(rv),
      creationTimestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(info.hasSpecGeneration || 'spec' in object ? { generation: 1 } : {}),
    };
    delete (metadata as Record<string, unknown>).deletionTimestamp;
    const stored = freeze({ ...object, apiVersion: apiVersion(info), kind: info.kind, metadata }, rv);
    if (dryRun) return stored;
    bucket.set(key(namespace, name), stored);
    this.objectCount++;
    this.record({ type: 'ADDED', resource: info.resource, namespace, rv, stored });
    return stored;
  }

  /**
   * Replaces an object. A non-empty metadata.resourceVersion must match (optimistic concurrency); an empty one is an
   * unconditional update, which built-in resources allow.
   */
  update(info: ResourceInfo, namespace: string, name: string, object: KubeObject, dryRun = false): StoredObject {
    const bucket = this.bucket(info.resource);
    const current = bucket.get(key(namespace, name));
    if (!current) throw new StatusError(statuses.notFound(info.resource, info.group, name));
    const expected = object.metadata.resourceVersion;
    if (expected && expected !== String(current.rv)) throw new StatusError(statuses.conflict(info.resource, info.group, name));
    const rv = dryRun ? current.rv : ++this.revision;
    const old = current.object;
    const specChanged = 'spec' in object && JSON.stringify(object.spec) !== JSON.stringify(old.spec);
    const metadata = {
      ...object.metadata,
      name,
      ...(info.namespaced ? { namespace } : {}),
      uid: old.metadata.uid,
      creationTimestamp: old.metadata.creationTimestamp,
      resourceVersion: String(rv),
      ...(old.metadata.generation !== undefined ? { generation: (old.metadata.generation as number) + (specChanged ? 1 : 0) } : {}),
    };
    const stored = freeze({ ...object, apiVersion: apiVersion(info), kind: info.kind, metadata }, rv);
    if (dryRun) return stored;
    bucket.set(key(namespace, name), stored);
    this.record({ type: 'MODIFIED', resource: info.resource, namespace, rv, stored });
    return stored;
  }

  delete(info: ResourceInfo, namespace: string, name: string, dryRun = false): StoredObject {
    const bucket = this.bucket(info.resource);
    const current = bucket.get(key(namespace, name));
    if (!current) throw new StatusError(statuses.notFound(info.resource, info.group, name));
    if (dryRun) return current;
    bucket.delete(key(namespace, name));
    this.objectCount--;
    const rv = ++this.revision;
    // The DELETED event carries the last state with the deletion's revision, as the watch cache does.
    const stored = freeze({ ...current.object, metadata: { ...current.object.metadata, resourceVersion: String(rv) } }, rv);
    this.record({ type: 'DELETED', resource: info.resource, namespace, rv, stored });
    return stored;
  }

  /** Events after `rv` for a resource, or undefined if the history no longer reaches back that far. */
  eventsSince(resource: string, rv: number): StoreEvent[] | undefined {
    if (rv < this.oldestResumableRevision) return undefined;
    return this.history.filter((e) => e.rv > rv && e.resource === resource);
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.limits.historySize) this.history.splice(0, this.history.length - this.limits.historySize);
    for (const listener of this.listeners) listener(event);
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function compareKeys(a: KubeObject, b: KubeObject): number {
  const ka = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function apiVersion(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

function freeze(object: KubeObject, rv: number): StoredObject {
  const json = JSON.stringify(object);
  return { object: JSON.parse(json) as KubeObject, json, rv };
}
