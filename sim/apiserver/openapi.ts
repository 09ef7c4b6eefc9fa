// A minimal OpenAPI surface for kubectl (docs/kube-apiserver.md#where-the-simulator-differs): /openapi/v3 and
// /openapi/v3/<group-version>, and /openapi/v2. kubectl validates manifests with --validate=strict by default: it
// looks in the group-version's OpenAPI v3 document for a PATCH operation tagged with the object's GroupVersionKind
// that accepts the `fieldValidation` query parameter (k8s.io/cli-runtime/pkg/resource/query_param_verifier_v3.go); if
// it finds one it leaves validation to the server. A `kind: List` never has that support (the verifier refuses v1
// List outright), so kubectl validates it on the client (k8s.io/kubectl/pkg/validation/schema.go): it reads
// /openapi/v2 as protobuf (client-go discovery OpenAPISchema) and validates each item against the definition tagged
// with the item's GroupVersionKind, skipping an item whose kind has none. The v2 document here has no definitions,
// so kubectl skips every item, as it would for kinds a real server does not describe; v3 schemas are permissive
// (type: object). This simulator does not validate fields.
import { createHash } from 'node:crypto';
import { ALL_DISCOVERABLE, apiVersionOf, type ResourceInfo } from './resources.ts';

function groupVersionPath(r: ResourceInfo): string {
  return r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
}

export function openApiDocument(path: string): unknown | undefined {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '/openapi/v3') {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const r of ALL_DISCOVERABLE) {
      const gv = groupVersionPath(r);
      paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash(gv)}` };
    }
    return { paths };
  }
  const match = /^\/openapi\/v3\/(.+)$/.exec(trimmed);
  if (!match) return undefined;
  const resources = ALL_DISCOVERABLE.filter((r) => groupVersionPath(r) === match[1]);
  if (resources.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const r of resources) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const base = `/${groupVersionPath(r)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
    const params = [
      { name: 'fieldValidation', in: 'query', schema: { type: 'string', uniqueItems: true } },
      { name: 'dryRun', in: 'query', schema: { type: 'string', uniqueItems: true } },
    ];
    const op = (action: string) => ({
      operationId: `${action}${r.kind}`,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
      parameters: params,
      responses: { '200': { description: 'OK' } },
    });
    paths[base] = r.verbs.includes('create') ? { post: op('post') } : {};
    if (r.verbs.includes('get')) paths[`${base}/{name}`] = { get: op('get'), put: op('put'), patch: op('patch'), delete: op('delete') };
    schemas[`io.k8s.sim.${apiVersionOf(r).replace(/[/.]/g, '_')}.${r.kind}`] = {
      type: 'object',
      'x-kubernetes-group-version-kind': [gvk],
      'x-kubernetes-preserve-unknown-fields': true,
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0-sim' }, paths, components: { schemas } };
}

function hash(text: string): string {
  return createHash('sha512').update(text).digest('hex').slice(0, 128).toUpperCase();
}

/**
 * The protobuf media types of /openapi/v2 (k8s.io/kube-openapi/pkg/handler/handler.go): clients ask for either
 * subtype (client-go's discovery sends the deprecated `@v1.0` one); the answer carries the dotted one, which Go's
 * mime.ParseMediaType accepts.
 */
const V2_PROTOBUF_SUBTYPES = ['com.github.proto-openapi.spec.v2@v1.0+protobuf', 'com.github.proto-openapi.spec.v2.v1.0+protobuf'];
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

const V2_INFO = { title: 'Kubernetes', version: 'v1.32.0-sim' };

/**
 * /openapi/v2: JSON, or protobuf (gnostic openapi_v2.Document: swagger = 1, info = 2 with title = 1 and version = 2,
 * paths = 8, definitions = 9) when the Accept header asks for it, as kube-apiserver negotiates.
 */
export function openApiV2Document(accept: string | undefined): { contentType: string; body: Buffer } {
  if (V2_PROTOBUF_SUBTYPES.some((subtype) => accept?.includes(`application/${subtype}`))) {
    const info = Buffer.concat([lengthDelimited(1, V2_INFO.title), lengthDelimited(2, V2_INFO.version)]);
    const body = Buffer.concat([lengthDelimited(1, '2.0'), lengthDelimited(2, info), lengthDelimited(8, Buffer.alloc(0)), lengthDelimited(9, Buffer.alloc(0))]);
    return { contentType: OPENAPI_V2_PROTOBUF, body };
  }
  return { contentType: 'application/json', body: Buffer.from(JSON.stringify({ swagger: '2.0', info: V2_INFO, paths: {}, definitions: {} })) };
}

/** A protobuf length-delimited field (wire type 2): tag, length, bytes. */
function lengthDelimited(field: number, value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
