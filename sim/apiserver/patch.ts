// PATCH bodies: JSON merge patch (RFC 7386), strategic merge patch (treated as a merge patch: for the simple
// resources simulated here the difference is only in list merging, which this simulator does not model), and
// JSON patch (RFC 6902, via the rfc6902 package).
import { applyPatch } from 'rfc6902';
import { StatusError, statuses } from './status.ts';
import type { KubeObject } from '../../scripts/core/kubeObject.ts';

export function applyPatchBody(contentType: string, current: KubeObject, body: unknown): KubeObject {
  const type = contentType.split(';')[0]!.trim();
  if (type === 'application/merge-patch+json' || type === 'application/strategic-merge-patch+json' || type === 'application/apply-patch+yaml') {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new StatusError(statuses.badRequest('merge patch must be a JSON object'));
    return mergePatch(structuredClone(current), body as Record<string, unknown>) as KubeObject;
  }
  if (type === 'application/json-patch+json') {
    if (!Array.isArray(body)) throw new StatusError(statuses.badRequest('json patch must be an array of operations'));
    const target = structuredClone(current);
    const results = applyPatch(target, body as Parameters<typeof applyPatch>[1]);
    const failed = results.find((r) => r !== null);
    if (failed)
      throw new StatusError(statuses.invalid(current.kind ?? 'Object', current.metadata.name ?? '', 'patch', String((failed as Error).message ?? failed)));
    return target;
  }
  throw new StatusError(statuses.unsupportedMediaType(contentType));
}

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base = target !== null && typeof target === 'object' && !Array.isArray(target) ? (target as Record<string, unknown>) : {};
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    if (key === '$patch' || key.startsWith('$setElementOrder') || key.startsWith('$retainKeys') || key.startsWith('$deleteFromPrimitiveList')) continue;
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}
