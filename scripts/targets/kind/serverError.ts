// kubectl's report of an API server refusal, read back into the HTTP answer kube-apiserver gave: `Error from server
// (Reason): message` names the StatusReason (k8s.io/apimachinery/pkg/apis/meta/v1 types.go), which maps to one code.
// The target reports a pod the webhook denied with that code, as the local target reports the seed's answer.

/** StatusReason → HTTP code (k8s.io/apimachinery/pkg/api/errors: NewNotFound 404, NewConflict 409, ...). */
const CODES: Record<string, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Invalid: 422,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
};

/** Maps kubectl's "Error from server (Reason): message" to the HTTP code kube-apiserver answered with. */
export function parseServerError(stderr: string): { code: number; reason: string; message: string } {
  const match = /Error from server \(([A-Za-z]+)\):\s*(?:error when creating "[^"]*":\s*)?([\s\S]*)/.exec(stderr);
  const reason = match?.[1] ?? 'Unknown';
  return { code: CODES[reason] ?? 500, reason, message: (match?.[2] ?? stderr).trim() };
}
