// Status objects as k8s.io/apimachinery/pkg/api/errors builds them (messages and reasons match, so clients such as
// kubectl print the familiar text).

/** A metav1.Status: what kube-apiserver answers for an error (and for some successes, e.g. a DELETE). */
export interface StatusObject {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[]; retryAfterSeconds?: number };
  code: number;
}

function failure(code: number, reason: string, message: string, details?: StatusObject['details']): StatusObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

const qualified = (resource: string, group: string) => (group ? `${resource}.${group}` : resource);

export const statuses = {
  notFound: (resource: string, group: string, name: string) =>
    failure(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, { name, group: group || undefined, kind: resource }),
  alreadyExists: (resource: string, group: string, name: string) =>
    failure(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, { name, group: group || undefined, kind: resource }),
  conflict: (resource: string, group: string, name: string) =>
    failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group: group || undefined, kind: resource },
    ),
  invalid: (kind: string, name: string, field: string, detail: string) =>
    failure(422, 'Invalid', `${kind} "${name}" is invalid: ${field}: ${detail}`, {
      name,
      kind,
      causes: [{ reason: 'FieldValueInvalid', message: detail, field }],
    }),
  badRequest: (message: string) => failure(400, 'BadRequest', message),
  unauthorized: () => failure(401, 'Unauthorized', 'Unauthorized'),
  methodNotSupported: (resource: string, verb: string) =>
    failure(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`, { kind: resource, causes: [{ message: verb }] }),
  notAcceptable: (message: string) => failure(406, 'NotAcceptable', message),
  unsupportedMediaType: (type: string) =>
    failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json, application/merge-patch+json, application/strategic-merge-patch+json, application/json-patch+json (got ${type})`,
    ),
  tooManyRequests: (retryAfterSeconds: number) => failure(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds }),
  expired: (message: string) => failure(410, 'Expired', message),
  internal: (message: string) => failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }),
  pathNotFound: () => failure(404, 'NotFound', 'the server could not find the requested resource'),
  success: (resource: string, group: string, name: string, uid?: string) => ({
    kind: 'Status' as const,
    apiVersion: 'v1' as const,
    metadata: {},
    status: 'Success' as const,
    details: { name, group: group || undefined, kind: resource, uid },
    code: 200,
  }),
};

export class StatusError extends Error {
  constructor(readonly status: StatusObject) {
    super(status.message);
    this.name = 'StatusError';
  }
}
