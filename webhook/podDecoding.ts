// The checks Gardener gets for free from decoding the AdmissionRequest's object into a typed *corev1.Pod
// (controller-runtime's admission.Decoder): an object whose fields have the wrong JSON type cannot be decoded and
// the request is answered with Errored(400). We check the fields the handler reads or patches, with messages in the
// style of Go's encoding/json, so a bad object never yields a patch that would not apply.

export type PodDecoding = { ok: true; pod: Record<string, unknown> } | { ok: false; message: string };

export function decodePod(object: unknown, requestKind: unknown): PodDecoding {
  const gvk = requestKind as { group?: unknown; version?: unknown; kind?: unknown } | undefined;
  if (
    gvk !== undefined &&
    gvk !== null &&
    (typeof gvk !== 'object' || (gvk.kind !== undefined && gvk.kind !== 'Pod') || (gvk.group !== undefined && gvk.group !== ''))
  ) {
    return { ok: false, message: `expected a request for core/v1 Pod, got ${describeKind(gvk)}` };
  }
  if (!isObject(object))
    return {
      ok: false,
      message: `there is no content to decode (request.object is ${object === null ? 'null' : Array.isArray(object) ? 'an array' : typeof object})`,
    };
  if (object.kind !== undefined && object.kind !== 'Pod') return { ok: false, message: `unable to decode kind ${preview(object.kind)} into *v1.Pod` };
  if (object.apiVersion !== undefined && object.apiVersion !== 'v1')
    return { ok: false, message: `unable to decode apiVersion ${preview(object.apiVersion)} into *v1.Pod` };
  const problems = [
    field(object, 'metadata', 'object', 'v1.ObjectMeta'),
    isObject(object.metadata) ? stringMap(object.metadata, 'labels', 'metadata.labels') : undefined,
    isObject(object.metadata) ? field(object.metadata, 'namespace', 'string', 'string', 'metadata.namespace') : undefined,
    field(object, 'spec', 'object', 'v1.PodSpec'),
    isObject(object.spec) ? field(object.spec, 'volumes', 'array', '[]v1.Volume', 'spec.volumes') : undefined,
    isObject(object.spec) ? field(object.spec, 'hostAliases', 'array', '[]v1.HostAlias', 'spec.hostAliases') : undefined,
  ].filter((p): p is string => p !== undefined);
  if (problems.length > 0) return { ok: false, message: problems[0]! };
  return { ok: true, pod: object };
}

function field(parent: Record<string, unknown>, name: string, type: 'object' | 'array' | 'string', goType: string, path = name): string | undefined {
  const value = parent[name];
  if (value === undefined || value === null) return undefined;
  const ok = type === 'array' ? Array.isArray(value) : type === 'object' ? isObject(value) : typeof value === type;
  return ok ? undefined : `json: cannot unmarshal ${jsonType(value)} into Go struct field Pod.${path} of type ${goType}`;
}

function stringMap(parent: Record<string, unknown>, name: string, path: string): string | undefined {
  const value = parent[name];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) return `json: cannot unmarshal ${jsonType(value)} into Go struct field Pod.${path} of type map[string]string`;
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') return `json: cannot unmarshal ${jsonType(v)} into Go struct field Pod.${path} of type string (key ${preview(key)})`;
  }
  return undefined;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

function describeKind(gvk: unknown): string {
  if (!isObject(gvk)) return preview(gvk);
  const text = `${String(gvk.group ?? '') || 'core'}/${String(gvk.version ?? '?')} ${String(gvk.kind ?? '?')}`;
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
