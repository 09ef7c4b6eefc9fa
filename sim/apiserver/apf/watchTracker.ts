// Counts the watches this server is serving, to estimate how many watchers a mutating request will notify
// (k8s.io/apiserver pkg/util/flowcontrol/watch_tracker.go, kubernetes-1.32.13). A watch registers under
// (apiGroup, resource, namespace, name) when APF starts executing it and is forgotten when the watch request ends;
// a pods watch that selects spec.nodeName exactly (a kubelet's) is not counted, because the builtin index means it
// only sees its node's pods. A create/update/patch/delete of (group, resource, ns, name) interests the watchers of
// (group, resource) cluster-wide, of (group, resource, ns) and of (group, resource, ns, name).
//
// Simplification: the field selector is parsed as comma-separated `key=value` / `key==value` terms, which covers
// what RequiresExactMatch accepts; upstream decodes it with the full fields.Selector parser.
import type { RequestDigest } from './types.ts';

type WatchKey = string;

const builtinIndexes: Readonly<Record<string, string>> = { pods: 'spec.nodeName' };
const readOnlyVerbs = new Set(['get', 'list', 'watch', 'proxy']);
const UNSET = '<unset>';

function key(apiGroup: string, resource: string, namespace: string, name: string): WatchKey {
  return `${apiGroup}\u0000${resource}\u0000${namespace}\u0000${name}`;
}

/** The value a field selector requires `field` to equal exactly, or '<unset>'. */
export function exactFieldMatch(fieldSelector: string | undefined, field: string): string {
  if (!fieldSelector) return UNSET;
  for (const term of fieldSelector.split(',')) {
    const t = term.trim();
    const m = /^([^!=]+?)\s*(==|=)\s*(.*)$/.exec(t);
    if (m && m[1] === field) return m[3]!;
  }
  return UNSET;
}

export class WatchTracker {
  private readonly counts = new Map<WatchKey, number>();

  /** RegisterWatch: returns the function that forgets it, or undefined for a request that is not a watch. */
  registerWatch(digest: Pick<RequestDigest, 'verb' | 'apiGroup' | 'resource' | 'namespace' | 'name'>, fieldSelector?: string): (() => void) | undefined {
    if (digest.verb !== 'watch') return undefined;
    const indexField = builtinIndexes[digest.resource];
    let counted = true;
    if (indexField !== undefined) {
      const value = exactFieldMatch(fieldSelector, indexField);
      counted = value === UNSET || value === '';
    }
    const k = key(digest.apiGroup, digest.resource, digest.namespace, digest.name);
    if (counted) this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    let forgotten = false;
    return () => {
      if (forgotten) return;
      forgotten = true;
      if (!counted) return;
      const n = (this.counts.get(k) ?? 0) - 1;
      if (n <= 0) this.counts.delete(k);
      else this.counts.set(k, n);
    };
  }

  /** GetInterestedWatchCount. */
  interestedWatchCount(digest: Pick<RequestDigest, 'verb' | 'apiGroup' | 'resource' | 'namespace' | 'name'>): number {
    if (readOnlyVerbs.has(digest.verb)) return 0;
    let result = this.counts.get(key(digest.apiGroup, digest.resource, '', '')) ?? 0;
    if (digest.namespace !== '') result += this.counts.get(key(digest.apiGroup, digest.resource, digest.namespace, '')) ?? 0;
    if (digest.name !== '') result += this.counts.get(key(digest.apiGroup, digest.resource, digest.namespace, digest.name)) ?? 0;
    return result;
  }

  get size(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }
}
