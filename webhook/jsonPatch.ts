// RFC 6902 operations for the mutation. They must apply whether or not spec.hostAliases, metadata.labels (or even
// metadata) exist, and label keys contain "/" which JSON Pointer escapes as "~1" (and "~" as "~0", RFC 6901 §3).
// Like controller-runtime's CustomDefaulter, which diffs the object before and after Default()
// (pkg/webhook/admission/defaulter_custom.go), nothing is emitted for a value that is already in place.

export type JsonPatchOperation = { op: 'add'; path: string; value: unknown };

export function escapeJsonPointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * A pod's spec.hostAliases entry (core/v1 HostAlias). scripts/core/hostAlias.ts declares the same for the rest of the
 * project; webhook/ keeps its own because it stands alone (it imports nothing outside webhook/).
 */
export interface HostAlias {
  ip: string;
  hostnames: string[];
}

/** Appends host aliases; `existing` is the pod's spec.hostAliases (absent or null: the array is created). */
export function hostAliasOperations(existing: unknown, additions: HostAlias[]): JsonPatchOperation[] {
  if (additions.length === 0) return [];
  if (!Array.isArray(existing)) return [{ op: 'add', path: '/spec/hostAliases', value: additions }];
  return additions.map((value) => ({ op: 'add', path: '/spec/hostAliases/-', value }));
}

/** Sets one label; `metadata` is the pod's metadata (absent, or without labels: the map is created). */
export function labelOperations(metadata: unknown, key: string, value: string): JsonPatchOperation[] {
  if (!isObject(metadata)) return [{ op: 'add', path: '/metadata', value: { labels: { [key]: value } } }];
  const labels = metadata.labels;
  if (!isObject(labels)) return [{ op: 'add', path: '/metadata/labels', value: { [key]: value } }];
  if (labels[key] === value) return [];
  // "add" on an existing member replaces it (RFC 6902 §4.1), as Gardener overwrites an existing label value.
  return [{ op: 'add', path: `/metadata/labels/${escapeJsonPointer(key)}`, value }];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
