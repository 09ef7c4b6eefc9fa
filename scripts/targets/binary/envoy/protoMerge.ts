// How Istio merges an EnvoyFilter patch value into generated Envoy config (docs/binary-target-envoy.md#envoyfilters),
// done on the JSON form of the protos: istio/istio pkg/proto/merge/merge.go is proto.Merge with one change for Any
// (two Any of the same type are unpacked and merged, not replaced): messages merge field by field, repeated fields
// append, scalars and strings overwrite. Patch values are written in either proto field names or their JSON
// (lowerCamelCase) names, as protobuf's JSON parser accepts both; `toProtoFieldNames` turns them into the field names
// the generated config uses so that `transportSocket` and `transport_socket` are the same field.
// Not modelled: oneof groups (setting one member does not clear another) and map fields with data keys; none of the
// patches the kind target renders (scripts/targets/kind/manifests/istio.ts) uses either.

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `defaultSourceCode` → `default_source_code`, recursively; `@type` and values are left alone. */
export function toProtoFieldNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toProtoFieldNames);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key.startsWith('@') ? key : key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), toProtoFieldNames(v)]),
  );
}

/** proto.Merge(target, patch) on JSON: returns a new object, inputs untouched. */
export function protoMerge(target: JsonObject, patch: JsonObject): JsonObject {
  const result: JsonObject = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    const current = result[key];
    if (Array.isArray(value)) result[key] = [...(Array.isArray(current) ? current : []), ...structuredClone(value)];
    else if (isObject(value) && isObject(current) && sameAnyType(current, value)) result[key] = protoMerge(current, value);
    else result[key] = structuredClone(value);
  }
  return result;
}

/** Two messages merge; two Any merge only when they hold the same type (merge.go), otherwise the patch replaces. */
function sameAnyType(current: JsonObject, patch: JsonObject): boolean {
  const a = current['@type'];
  const b = patch['@type'];
  return a === undefined || b === undefined || a === b;
}
