// Calling one webhook the way kube-apiserver does (k8s.io/apiserver/pkg/util/webhook and
// pkg/admission/plugin/webhook/request): POST an AdmissionReview over HTTPS/1.1 (kubernetes#82090 keeps webhooks on
// HTTP/1.1), trust only the webhook's caBundle, give up after timeoutSeconds, and verify the answer (apiVersion and
// kind, the same uid). Every failure is an ErrCallingWebhook whose text follows the real one.
import https from 'node:https';

export class CallingWebhookError extends Error {
  constructor(
    readonly webhookName: string,
    reason: string,
  ) {
    super(`failed calling webhook "${webhookName}": ${reason}`);
    this.name = 'CallingWebhookError';
  }
}

export interface WebhookTarget {
  url: string;
  caPem?: string;
  /** TLS server name: the Service DNS name for service references, the URL host otherwise. */
  servername?: string;
}

export interface ReviewResponse {
  uid?: string;
  allowed?: boolean;
  status?: { code?: number; message?: string; reason?: string; status?: string; details?: unknown; metadata?: unknown };
  patch?: string;
  patchType?: string;
  warnings?: string[];
}

export async function callWebhook(
  name: string,
  target: WebhookTarget,
  review: { apiVersion: string; kind: 'AdmissionReview'; request: { uid: string } },
  timeoutMs: number,
): Promise<ReviewResponse> {
  const body = JSON.stringify(review);
  const url = new URL(target.url);
  const text = await new Promise<string>((resolve, reject) => {
    const req = https.request(
      {
        method: 'POST',
        host: url.hostname,
        port: url.port || 443,
        path: `${url.pathname}${url.search}`,
        ca: target.caPem,
        servername: target.servername ?? url.hostname,
        agent: false,
        headers: { 'content-type': 'application/json', accept: 'application/json, */*', 'content-length': Buffer.byteLength(body) },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const t = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300)
            reject(new Error(`an error on the server ("${t.slice(0, 200)}") has prevented the request from succeeding`));
          else resolve(t);
        });
        res.on('error', reject);
      },
    );
    req.on('error', (error: Error) => reject(error.name === 'AbortError' || /aborted/i.test(error.message) ? new Error('context deadline exceeded') : error));
    req.end(body);
  }).catch((error: Error) => {
    throw new CallingWebhookError(name, `failed to call webhook: Post "${target.url}": ${error.message}`);
  });
  let parsed: { apiVersion?: string; kind?: string; response?: ReviewResponse };
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CallingWebhookError(name, `received invalid webhook response: ${(error as Error).message}`);
  }
  if (parsed?.kind !== 'AdmissionReview' || parsed.apiVersion !== review.apiVersion) {
    throw new CallingWebhookError(
      name,
      `received invalid webhook response: expected ${review.apiVersion} AdmissionReview, got ${parsed?.apiVersion} ${parsed?.kind}`,
    );
  }
  const response = parsed.response;
  if (!response || typeof response !== 'object') throw new CallingWebhookError(name, 'received invalid webhook response: response is missing');
  if (response.uid !== review.request.uid) {
    throw new CallingWebhookError(name, `received invalid webhook response: expected response.uid="${review.request.uid}", got "${response.uid}"`);
  }
  if (typeof response.allowed !== 'boolean') throw new CallingWebhookError(name, 'received invalid webhook response: response.allowed is missing');
  return response;
}
