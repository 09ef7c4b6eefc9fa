// A minimal OpenAPI v3 surface (/openapi/v3 and /openapi/v3/<group-version>). kubectl validates manifests with
// --validate=strict by default: it looks in the group-version's OpenAPI v3 document for a PATCH operation tagged
// with the object's GroupVersionKind that accepts the `fieldValidation` query parameter
// (k8s.io/cli-runtime/pkg/resource/query_param_verifier_v3.go); if it finds one it leaves validation to the server.
// Schemas are permissive (type: object): this simulator does not validate fields
// (docs/kube-apiserver.md#where-the-simulator-differs).
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
