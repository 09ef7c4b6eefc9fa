// A small Kubernetes REST client for the orchestrator: bootstrap objects, create pods (which triggers admission),
// scrape /metrics. HTTP/1.1 over one keep-alive TLS agent, bearer token, JSON. Errors carry the Status message.
// (The webhook uses @kubernetes/client-node; this client only needs a handful of calls and precise error text.)
import https from 'node:https';

export interface RestTarget {
  /** https://<host>:<port> */
  server: string;
  caPem: string;
  token: string;
  /** TLS server name when `server` is an IP. */
  servername?: string;
}

export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
}

export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly status: KubeStatus | undefined,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: ${statusCode} ${status?.reason ?? ''} ${status?.message ?? ''}`.trim());
    this.name = 'KubeApiError';
  }
}

export class RestClient {
  private readonly agent: https.Agent;
  private readonly url: URL;

  constructor(
    private readonly target: RestTarget,
    private readonly timeoutMs = 15_000,
  ) {
    this.url = new URL(target.server);
    this.agent = new https.Agent({ keepAlive: true, maxSockets: 8, ca: target.caPem, servername: target.servername });
  }

  /** TCP connections this client has open now (in use and idle keep-alive). */
  get openConnections(): number {
    const count = (sockets: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(sockets).reduce((sum, list) => sum + (list?.length ?? 0), 0);
    return count(this.agent.sockets) + count(this.agent.freeSockets);
  }

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ statusCode: number; body: T; text: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port || 443,
          method,
          path,
          servername: this.target.servername,
          timeout: this.timeoutMs,
          headers: {
            authorization: `Bearer ${this.target.token}`,
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            if ((res.headers['content-type'] ?? '').includes('json')) {
              try {
                parsed = JSON.parse(text);
              } catch {
                parsed = text;
              }
            }
            resolve({ statusCode: res.statusCode ?? 0, body: parsed as T, text });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Like request(), but a non-2xx answer throws a KubeApiError carrying the Status. */
  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request<T>(method, path, body);
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new KubeApiError(res.statusCode, typeof res.body === 'object' ? (res.body as KubeStatus) : { message: res.text }, method, path);
    }
    return res.body;
  }

  /** Creates an object; an existing one is replaced (PUT) so bootstrap is idempotent. */
  async apply<T extends { metadata: { name: string } }>(collectionPath: string, object: T): Promise<T> {
    try {
      return await this.call<T>('POST', collectionPath, object);
    } catch (error) {
      if (error instanceof KubeApiError && error.statusCode === 409) {
        return this.call<T>('PUT', `${collectionPath}/${object.metadata.name}`, object);
      }
      throw error;
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
