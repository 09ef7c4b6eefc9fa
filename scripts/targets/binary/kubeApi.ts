// A minimal JSON client of a real kube-apiserver inside the run's network (docs/binary-target.md#how-the-runner-reaches-in):
// each connection is dialled through the network's connector (the runner has no route into the namespaces), TLS is
// verified against the cluster CA with the server name of the certificate, and every request carries a bearer token.
// The target uses it where it plays a controller or the kubelet (EndpointSlices, pod status, object reads); objects
// the user would apply go through the real kubectl (kubectl.ts).
import https from 'node:https';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';

/** Opens a TCP connection to an address inside the run's network. */
export type Connector = (host: string, port: number) => Duplex;

export interface KubeApiOptions {
  host: string;
  port: number;
  caPem: string;
  /** The name the serving certificate carries (its SAN), verified instead of the address. */
  serverName: string;
  token: string;
  connect: Connector;
}

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly body: string,
  ) {
    super(`${method} ${path}: ${status} ${kubeMessage(body)}`);
  }
}

/** The `message` of a kube-apiserver Status body (the body itself when it is not one). */
export function kubeMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}

/** The field manager of the target's own writes (managedFields show who wrote what). */
const FIELD_MANAGER = 'apiserver-l7-testbed';

export interface KubeObjectRef {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
}

/**
 * The REST path of an object: /api/v1 for the core group, /apis/<group>/<version> otherwise; the resource is the kind
 * in lower case plus "s", which holds for every kind the target writes (Secret, ConfigMap, Service, Namespace,
 * MutatingWebhookConfiguration, EndpointSlice); a kind whose plural differs is refused rather than guessed.
 */
export function objectPath(object: KubeObjectRef): string {
  if (/(s|x|z|ch|sh|y)$/i.test(object.kind)) throw new Error(`objectPath: the plural of ${object.kind} is not <kind>s; name its path explicitly`);
  const prefix = object.apiVersion.includes('/') ? `/apis/${object.apiVersion}` : `/api/${object.apiVersion}`;
  const namespace = object.metadata.namespace ? `/namespaces/${object.metadata.namespace}` : '';
  return `${prefix}${namespace}/${object.kind.toLowerCase()}s/${object.metadata.name}`;
}

export class KubeApi {
  private readonly agent: https.Agent;

  constructor(readonly o: KubeApiOptions) {
    this.agent = new ConnectorAgent(o.connect, { keepAlive: true, maxSockets: 16, ca: o.caPem, servername: o.serverName });
  }

  /** The response body as text; rejects with KubeApiError on a status >= 400. */
  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<string> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const { status, text } = await this.send(method, path, payload, contentType);
    if (status >= 400) throw new KubeApiError(status, method, path, text);
    return text;
  }

  async json<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    return JSON.parse(await this.request(method, path, body, contentType)) as T;
  }

  /**
   * Server-side apply (what `kubectl apply --server-side --force-conflicts` sends: a PATCH of type
   * application/apply-patch+yaml with a field manager; JSON is YAML): creates the object or updates it, in one request.
   */
  async apply<T>(object: KubeObjectRef): Promise<T> {
    return this.json<T>('PATCH', `${objectPath(object)}?fieldManager=${FIELD_MANAGER}&force=true`, object, 'application/apply-patch+yaml');
  }

  /** DELETE that treats an object already gone as deleted. */
  async delete(object: KubeObjectRef): Promise<void> {
    try {
      await this.request('DELETE', objectPath(object));
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
    }
  }

  /** GET that returns undefined for 404. */
  async get<T>(path: string): Promise<T | undefined> {
    try {
      return await this.json<T>('GET', path);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: string, path: string, payload: string | undefined, contentType: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const request = https.request(
        {
          agent: this.agent,
          host: this.o.host,
          port: this.o.port,
          servername: this.o.serverName,
          method,
          path,
          timeout: 30_000,
          headers: {
            authorization: `Bearer ${this.o.token}`,
            accept: 'application/json',
            ...(payload !== undefined ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (c: string) => (text += c));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`${method} ${path} timed out`)));
      request.on('error', reject);
      request.end(payload);
    });
  }
}

/** An https.Agent whose TCP connections are opened by a Connector (TLS is then set up over them, as usual). */
export class ConnectorAgent extends https.Agent {
  constructor(
    private readonly connector: Connector,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: tls.ConnectionOptions & { host?: string; port?: number }): tls.TLSSocket {
    const raw = this.connector(options.host ?? 'localhost', Number(options.port ?? 443));
    return tls.connect({ ...options, socket: raw });
  }
}
