// AdmissionReview in and out (admission.k8s.io/v1 and v1beta1, which have the same shape). Answers use the
// request's apiVersion and uid. Malformed input gets an errored response like controller-runtime's webhook server
// (pkg/webhook/admission/http.go): HTTP 200 with response.allowed=false and status.code 400 (or 413), so a
// kube-apiserver reports a clear message instead of a transport error.
import type { ApiStatus } from './handler.ts';
import type { JsonPatchOperation } from './jsonPatch.ts';

export const SUPPORTED_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type ReviewVersion = (typeof SUPPORTED_VERSIONS)[number];

export interface AdmissionRequest {
  uid: string;
  kind?: { group?: string; version?: string; kind?: string };
  operation?: string;
  namespace?: string;
  name?: string;
  object?: unknown;
}

export type ParsedReview =
  { ok: true; apiVersion: ReviewVersion; request: AdmissionRequest } | { ok: false; apiVersion: ReviewVersion; uid: string; status: ApiStatus };

export function parseAdmissionReview(text: string): ParsedReview {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return bad('admission.k8s.io/v1', '', `couldn't decode the AdmissionReview: ${(error as Error).message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return bad('admission.k8s.io/v1', '', 'the body must be a JSON AdmissionReview object');
  const review = body as { apiVersion?: unknown; kind?: unknown; request?: unknown };
  const apiVersion = SUPPORTED_VERSIONS.find((v) => v === review.apiVersion);
  if (!apiVersion) {
    return bad('admission.k8s.io/v1', '', `unsupported AdmissionReview apiVersion ${preview(review.apiVersion)} (supported: ${SUPPORTED_VERSIONS.join(', ')})`);
  }
  if (review.kind !== 'AdmissionReview') return bad(apiVersion, '', `expected kind AdmissionReview, got ${preview(review.kind)}`);
  const request = review.request as AdmissionRequest | undefined;
  if (request === null || typeof request !== 'object' || Array.isArray(request)) return bad(apiVersion, '', 'the AdmissionReview has no request');
  const uid = typeof request.uid === 'string' ? request.uid : '';
  if (!uid) return bad(apiVersion, '', 'the AdmissionReview request has no uid');
  return { ok: true, apiVersion, request };
}

/** A value for an error message, cut short so a hostile body cannot blow up the answer or the logs. */
function preview(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

function bad(apiVersion: ReviewVersion, uid: string, message: string): ParsedReview {
  return { ok: false, apiVersion, uid, status: { code: 400, reason: 'BadRequest', message } };
}

export interface AdmissionResponseBody {
  apiVersion: ReviewVersion;
  kind: 'AdmissionReview';
  response: {
    uid: string;
    allowed: boolean;
    status?: { metadata: Record<string, never>; status: 'Success' | 'Failure'; code: number; reason?: string; message?: string; details?: unknown };
    patchType?: 'JSONPatch';
    patch?: string;
  };
}

export function allowedResponse(apiVersion: ReviewVersion, uid: string, patch?: JsonPatchOperation[]): AdmissionResponseBody {
  const response: AdmissionResponseBody['response'] = { uid, allowed: true };
  if (patch && patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(patch)).toString('base64');
  }
  return { apiVersion, kind: 'AdmissionReview', response };
}

export function deniedResponse(apiVersion: ReviewVersion, uid: string, status: ApiStatus): AdmissionResponseBody {
  return {
    apiVersion,
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: false,
      status: {
        metadata: {},
        status: 'Failure',
        code: status.code,
        ...(status.reason ? { reason: status.reason } : {}),
        message: status.message,
        ...(status.details ? { details: status.details } : {}),
      },
    },
  };
}

const ERROR_REASONS: Record<number, string> = { 400: 'BadRequest', 408: 'Timeout', 413: 'RequestEntityTooLarge', 500: 'InternalError' };

/** controller-runtime's admission.Errored(code, err): not allowed, with the code and the error text. */
export function erroredResponse(apiVersion: ReviewVersion, uid: string, code: number, message: string): AdmissionResponseBody {
  return deniedResponse(apiVersion, uid, { code, reason: ERROR_REASONS[code], message });
}
