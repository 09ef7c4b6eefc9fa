// Watch requests: a long-running streamed response of `{"type":...,"object":...}` lines, with kube-apiserver's
// resourceVersion semantics (k8s.io/apiserver/pkg/storage/cacher): unset or "0" → synthetic ADDED events for the
// current state, then changes; N → changes after N, or an ERROR event with a 410 Expired Status when N is older
// than the history; BOOKMARK events when allowWatchBookmarks; the watch ends after timeoutSeconds (default: a
// random time between --min-request-timeout 1800 s and twice that, as the apiserver picks).
import type { Rng } from '../../scripts/core/random.ts';
import type { ResourceInfo } from './resources.ts';
import { parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { statuses } from './status.ts';
import type { ObjectStore, StoredObject, WatchEventType } from './store.ts';
import { toTable, wantsTable } from './table.ts';
import type { KubeObject } from '../../scripts/core/kubeObject.ts';

export interface WatchSink {
  writeHead(status: number, headers: Record<string, string>): void;
  write(chunk: string): boolean;
  end(): void;
  onClose(listener: () => void): void;
  /** Bytes queued but not yet sent; a watcher that stops reading is cut off past a limit. */
  pendingBytes(): number;
}

export interface WatchRequest {
  info: ResourceInfo;
  namespace: string;
  query: URLSearchParams;
  accept: string | undefined;
}

const BOOKMARK_INTERVAL_MS = 60_000;
const MIN_REQUEST_TIMEOUT_S = 1800;
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

/**
 * Streams a watch until the client goes away or the timeout ends it; resolves when the watch is over.
 * `onInitialized` runs once the initial events are written and the watch follows the store (the point where
 * kube-apiserver's watch initialization signal releases its API Priority and Fairness seats).
 */
export function serveWatch(store: ObjectStore, request: WatchRequest, sink: WatchSink, rng: Rng, onInitialized?: () => void): Promise<void> {
  return new Promise((resolve) => {
    const { info, namespace, query } = request;
    const labels = parseLabelSelector(query.get('labelSelector'));
    const fields = parseFieldSelector(query.get('fieldSelector'));
    const matches = (object: KubeObject) => (!namespace || object.metadata.namespace === namespace) && labels(object.metadata.labels) && fields(object);
    const table = wantsTable(request.accept);
    const includeObject = query.get('includeObject');
    const encode = (type: WatchEventType | 'BOOKMARK', stored: StoredObject) =>
      table && type !== 'BOOKMARK'
        ? `{"type":"${type}","object":${JSON.stringify(toTable([stored.object], String(stored.rv), includeObject))}}\n`
        : `{"type":"${type}","object":${stored.json}}\n`;

    let finished = false;
    const timers: NodeJS.Timeout[] = [];
    let unsubscribe = () => {};
    const finish = () => {
      if (finished) return;
      finished = true;
      unsubscribe();
      for (const t of timers) clearTimeout(t);
      sink.end();
      resolve();
    };
    sink.onClose(finish);

    sink.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    const send = (text: string) => {
      if (finished) return;
      sink.write(text);
      if (sink.pendingBytes() > MAX_PENDING_BYTES) finish();
    };

    const rvParam = query.get('resourceVersion');
    let lastSent = store.currentRevision;
    if (!rvParam || rvParam === '0') {
      for (const stored of store.listStored(info.resource, namespace || undefined)) if (matches(stored.object)) send(encode('ADDED', stored));
    } else {
      const from = Number(rvParam);
      const events = Number.isFinite(from) ? store.eventsSince(info.resource, from) : undefined;
      if (!events) {
        const status = Number.isFinite(from)
          ? statuses.expired(`too old resource version: ${rvParam} (${store.oldestResumableRevision})`)
          : statuses.badRequest(`invalid resource version "${rvParam}"`);
        send(`{"type":"ERROR","object":${JSON.stringify(status)}}\n`);
        finish();
        return;
      }
      for (const e of events) {
        if (!namespace || e.namespace === namespace) {
          if (matches(e.stored.object)) send(encode(e.type, e.stored));
        }
      }
    }
    // Subscribing in the same tick as the snapshot above: the store is synchronous, so no event falls in between.
    unsubscribe = store.subscribe((event) => {
      if (event.resource !== info.resource) return;
      if (namespace && event.namespace !== namespace) return;
      lastSent = event.rv;
      if (matches(event.stored.object)) send(encode(event.type, event.stored));
    });
    onInitialized?.();

    if (query.get('allowWatchBookmarks') === 'true') {
      const bookmark = () => {
        const rv = String(Math.max(lastSent, store.currentRevision));
        send(
          `{"type":"BOOKMARK","object":{"kind":"${info.kind}","apiVersion":"${info.group ? `${info.group}/${info.version}` : info.version}","metadata":{"resourceVersion":"${rv}"}}}\n`,
        );
        timers.push(setTimeout(bookmark, BOOKMARK_INTERVAL_MS));
      };
      timers.push(setTimeout(bookmark, BOOKMARK_INTERVAL_MS));
    }
    const timeoutParam = Number(query.get('timeoutSeconds'));
    const timeoutS = Number.isFinite(timeoutParam) && timeoutParam > 0 ? timeoutParam : MIN_REQUEST_TIMEOUT_S * (1 + rng.next());
    timers.push(setTimeout(finish, timeoutS * 1000));
  });
}
