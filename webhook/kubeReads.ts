// The webhook's reads of the target cluster through @kubernetes/client-node 1.4.0 (the 2.x line does not load on
// Node 20; docs/webhook.md#reads-kubereadsts). client-node 1.x builds a new non-keep-alive https.Agent for every call,
// i.e. a TLS handshake per read; we wrap the auth method to inject ONE keep-alive agent, so reads reuse connections.
// Every read has a timeout well under the 10 s webhook timeout. An optional read-through cache (positive and
// NotFound entries, short TTL) trades a bounded staleness for speed; Gardener's controller-runtime client reads from
// a watch-driven informer cache instead, which is fresher but needs list/watch permissions (docs/webhook.md).
import https from 'node:https';
import fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { ReadError, type ApiStatus, type ConfigMapLike, type ServiceLike, type TargetReader } from './handler.ts';

export type KubeSource =
  | { kind: 'inline'; server: string; caPem: string; token: string; tlsServerName?: string }
  | { kind: 'kubeconfig'; path: string; context?: string }
  | { kind: 'in-cluster' };

export interface KubeReaderOptions {
  source: KubeSource;
  /** Per-read timeout (ms); default 3000. */
  timeoutMs?: number;
  /** Cache TTL (ms); 0 disables the cache. */
  cacheTtlMs?: number;
  /** Max cached entries (oldest written is evicted first); default 1000. */
  cacheSize?: number;
  /** Max concurrent connections to the apiserver; default 8. */
  maxSockets?: number;
}

export function loadKubeConfig(source: KubeSource): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (source.kind === 'in-cluster') kc.loadFromCluster();
  else if (source.kind === 'kubeconfig') {
    if (!fs.existsSync(source.path)) throw new Error(`kubeconfig ${source.path} does not exist`);
    kc.loadFromFile(source.path);
    if (source.context) kc.setCurrentContext(source.context);
  } else {
    kc.loadFromOptions({
      clusters: [
        {
          name: 'target',
          server: source.server,
          caData: Buffer.from(source.caPem).toString('base64'),
          tlsServerName: source.tlsServerName,
          skipTLSVerify: false,
        },
      ],
      users: [{ name: 'webhook', token: source.token }],
      contexts: [{ name: 'target', cluster: 'target', user: 'webhook' }],
      currentContext: 'target',
    });
  }
  if (!kc.getCurrentCluster()) throw new Error('the kubeconfig has no current cluster');
  return kc;
}

interface CacheEntry {
  value: unknown;
  expires: number;
}

export class KubeReader implements TargetReader {
  private readonly core: k8s.CoreV1Api;
  private readonly agent: https.Agent;
  private readonly timeoutMs: number;
  private readonly ttl: number;
  private readonly cacheSize: number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** reads: requests sent to the apiserver; cacheHits: answered from the cache; coalesced: joined a pending read. */
  readonly stats = { reads: 0, cacheHits: 0, coalesced: 0 };

  constructor(options: KubeReaderOptions) {
    const kc = loadKubeConfig(options.source);
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.ttl = options.cacheTtlMs ?? 0;
    this.cacheSize = options.cacheSize ?? 1000;
    const cluster = kc.getCurrentCluster()!;
    if (cluster.proxyUrl)
      throw new Error(`kubeconfig cluster "${cluster.name}": proxy-url is not supported by the webhook's reader; reach the apiserver directly`);
    if (!cluster.server.startsWith('https://')) throw new Error(`kubeconfig cluster "${cluster.name}": server ${cluster.server} must be https://`);
    // The kubeconfig's TLS material (CA, client certificate and key, tls-server-name, insecure-skip-tls-verify) goes
    // into our one keep-alive agent; the Authorization header is still set per request by client-node.
    const user = kc.getCurrentUser();
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: options.maxSockets ?? 8,
      ca: fileOrData(cluster.caFile, cluster.caData),
      cert: fileOrData(user?.certFile, user?.certData),
      key: fileOrData(user?.keyFile, user?.keyData),
      servername: cluster.tlsServerName,
      rejectUnauthorized: !cluster.skipTLSVerify,
    });
    const agent = this.agent;
    const timeoutMs = this.timeoutMs;
    const auth = {
      getName: () => 'keep-alive-agent',
      async applySecurityAuthentication(context: k8s.RequestContext) {
        await kc.applySecurityAuthentication(context);
        context.setAgent(agent);
        context.setSignal(AbortSignal.timeout(timeoutMs));
      },
    };
    this.core = new k8s.CoreV1Api(k8s.createConfiguration({ baseServer: new k8s.ServerConfiguration(cluster.server, {}), authMethods: { default: auth } }));
  }

  getConfigMap(namespace: string, name: string): Promise<ConfigMapLike | undefined> {
    return this.cached(`configmaps/${namespace}/${name}`, 'configmaps', name, () => this.core.readNamespacedConfigMap({ namespace, name }));
  }

  getService(namespace: string, name: string): Promise<ServiceLike | undefined> {
    return this.cached(`services/${namespace}/${name}`, 'services', name, () => this.core.readNamespacedService({ namespace, name }));
  }

  private cached<T>(key: string, resource: string, name: string, read: () => Promise<T>): Promise<T | undefined> {
    if (this.ttl > 0) {
      const entry = this.cache.get(key);
      if (entry && entry.expires > Date.now()) {
        this.stats.cacheHits++;
        return Promise.resolve(entry.value as T | undefined);
      }
      // Single flight: concurrent misses for one key share one read instead of stampeding the apiserver.
      const pending = this.inflight.get(key);
      if (pending) {
        this.stats.coalesced++;
        return pending as Promise<T | undefined>;
      }
    }
    const promise = this.readOnce(key, resource, name, read).finally(() => this.inflight.delete(key));
    if (this.ttl > 0) this.inflight.set(key, promise);
    return promise;
  }

  private async readOnce<T>(key: string, resource: string, name: string, read: () => Promise<T>): Promise<T | undefined> {
    this.stats.reads++;
    let value: T | undefined;
    try {
      value = await read();
    } catch (error) {
      const status = statusOf(error, 'get', resource, name);
      // Errors are never cached: the next admission retries the read.
      if (status?.code === 404) value = undefined;
      else throw new ReadError(describe(error, status, this.timeoutMs), status);
    }
    if (this.ttl > 0) {
      this.cache.delete(key);
      if (this.cache.size >= this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, { value, expires: Date.now() + this.ttl });
    }
    return value;
  }

  close(): void {
    this.agent.destroy();
    this.cache.clear();
    this.inflight.clear();
  }

  /** Sockets the keep-alive agent holds open or in use (for tests and the benchmark). */
  socketCount(): number {
    const count = (group: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(group).reduce((n, list) => n + (list?.length ?? 0), 0);
    return count(this.agent.sockets) + count(this.agent.freeSockets);
  }
}

/** A kubeconfig `*-file` path or `*-data` (base64), as client-node reads them (file wins). */
function fileOrData(file: string | undefined, data: string | undefined): Buffer | undefined {
  if (file) return fs.readFileSync(file);
  return data ? Buffer.from(data, 'base64') : undefined;
}

/**
 * The Kubernetes Status of a failed read. A Status body is taken as is; any other error answer becomes a status the
 * way client-go's NewGenericServerResponse (k8s.io/apimachinery/pkg/api/errors) builds one, so the webhook denies
 * with a status (allowed:false + that code) exactly as Gardener's client would make it.
 */
function statusOf(error: unknown, verb: string, resource: string, name: string): ApiStatus | undefined {
  if (!(error instanceof k8s.ApiException)) return undefined;
  let body: unknown = error.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON: keep the text for the message
    }
  }
  const s = body as { kind?: string; code?: number; reason?: string; message?: string; details?: unknown } | undefined;
  if (s && typeof s === 'object' && s.kind === 'Status' && typeof s.message === 'string')
    return { code: s.code ?? error.code, reason: s.reason, message: s.message, details: s.details };
  const code = error.code;
  const qualified = `(${verb} ${resource} ${name})`;
  const generic: Record<number, [string, string]> = {
    401: ['Unauthorized', 'Unauthorized'],
    403: ['Forbidden', `${resource} "${name}" is forbidden`],
    404: ['NotFound', `${resource} "${name}" not found`],
    429: ['TooManyRequests', `the server has received too many requests and has asked us to try again later ${qualified}`],
    504: ['Timeout', `the server was unable to return a response in the time allotted, but may still be processing the request ${qualified}`],
  };
  const known = generic[code];
  if (known) return { code, reason: known[0], message: known[1] };
  const text = typeof body === 'string' ? body.trim().slice(0, 200) : '';
  if (code >= 500)
    return {
      code,
      reason: 'InternalError',
      message: `an error on the server (${JSON.stringify(text || 'unknown')}) has prevented the request from succeeding ${qualified}`,
    };
  return { code, reason: 'Unknown', message: `the server responded with the status code ${code} but did not return more information ${qualified}` };
}

function describe(error: unknown, status: ApiStatus | undefined, timeoutMs: number): string {
  if (status) return status.message;
  const e = error as Error & { name?: string; type?: string };
  if (e.name === 'AbortError' || e.type === 'aborted' || /aborted|timeout/i.test(e.message)) return `no answer within ${timeoutMs} ms`;
  return e.message;
}
