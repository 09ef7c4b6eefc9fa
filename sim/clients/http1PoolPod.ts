// A pod whose client has HTTP/2 disabled (DISABLE_HTTP2, or a non-Go client): a keep-alive HTTP/1.1 connection pool,
// one request per connection at a time, so requests spread over as many TCP connections as the pool holds — which
// kube-proxy then balances per connection (timebertt/kubernetes-controller-sharding#26). client-go's HTTP/1.1
// transport keeps up to 25 idle connections per host (apimachinery SetTransportDefaults); the pool size is a knob.
// Load comes from autocannon, the project's HTTP/1.1 load generator. Differences from client-go, documented:
// autocannon does not verify the server certificate (it sets rejectUnauthorized: false), cannot apply client-go's
// token bucket (the offered rate is capped at the pod's QPS instead), and measures latency from the actual send
// (its own coordinated-omission correction applies to its internal histogram, not to the per-response values).
import type { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { PodAccounting } from './accounting.ts';
import { CLIENT_GO_USER_AGENT, type PodEnvironment } from './clientGoPod.ts';
import { podEndpoint } from './podDialer.ts';
import { collectionPath, RequestMix } from './requestMix.ts';
import type { ClientPodSpec, ClientRunResult, PodPrepared, RunOptions } from '../../scripts/core/clientPod.ts';

/**
 * What autocannon resolves with. Outside the main thread (our clients run in worker threads) it skips its aggregation
 * (lib/run.js: `isMainThread && !opts.skipAggregateResult`), so `requests` is an encoded histogram without `sent` and
 * the count of requests sent is `totalRequests`.
 */
interface AutocannonResult {
  requests: { sent?: number };
  totalRequests: number;
  errors: number;
  timeouts: number;
}

/**
 * Counts every TCP connection one autocannon client makes. autocannon 9 has no event for it: a client connects in
 * `_connect()` when it starts, after every `reconnectRate`-th request (`_resetConnection`), and again whenever its
 * connection ends or fails (lib/httpClient.js), so the count wraps that method and counts the new socket's 'connect'
 * (a client that reached its last request reconnects and is destroyed at once: that socket never connects and is not
 * counted). `setupClient` (a documented option) hands over each client before its first connect. Counting the pool's
 * size instead missed every reconnect.
 */
function countConnects(client: unknown, count: () => void): void {
  const c = client as { _connect: () => void; conn?: EventEmitter };
  if (typeof c._connect !== 'function')
    throw new Error('autocannon client without _connect(): the connection count needs updating for this autocannon version');
  const connect = c._connect;
  c._connect = function (this: typeof c) {
    connect.call(this);
    this.conn?.once('connect', count);
  };
}

export class Http1PoolPod {
  private readonly mix: RequestMix;
  private instance: { stop(): void } | undefined;
  private stopped = false;

  constructor(
    private readonly pod: ClientPodSpec,
    private readonly env: PodEnvironment,
  ) {
    this.mix = new RequestMix(pod, env.rng.fork('mix'));
  }

  private async target(): Promise<{ url: string; authority: string; servername: string }> {
    const endpoint = podEndpoint(this.pod);
    const resolved = await this.env.network.resolve(this.pod, endpoint.host, endpoint.port);
    if ('error' in resolved) throw new Error(`pod ${this.pod.name}: ${resolved.error}`);
    return { url: `https://${resolved.ip}:${resolved.port}`, authority: endpoint.authority, servername: endpoint.servername };
  }

  private baseOptions(target: { url: string; authority: string; servername: string }) {
    return {
      url: target.url,
      servername: target.servername,
      tlsOptions: { localAddress: this.env.network.sourceAddress(this.pod) },
      headers: {
        host: target.authority,
        ...(this.pod.kubeconfig.token ? { authorization: `Bearer ${this.pod.kubeconfig.token}` } : {}),
        accept: 'application/json',
        'user-agent': CLIENT_GO_USER_AGENT,
      },
      timeout: 30,
    };
  }

  /** Creates the mix's objects. Never throws (clientGoPod.ts prepare): a failure is reported, and the pod still runs. */
  async prepare(): Promise<PodPrepared> {
    const seeds = this.mix.seedObjects();
    if (seeds.length === 0) return { answered: 0 };
    let target: Awaited<ReturnType<Http1PoolPod['target']>>;
    try {
      target = await this.target();
    } catch (error) {
      return { answered: 0, error: (error as Error).message };
    }
    let failures = '';
    let answered = 0;
    await autocannon({
      ...this.baseOptions(target),
      connections: 1,
      amount: seeds.length,
      requests: seeds.map((s) => ({
        method: 'POST' as const,
        path: collectionPath(s.resource, this.pod.namespace),
        body: s.body,
        headers: { 'content-type': 'application/json' },
        onResponse: (status: number) => {
          if (status === 201 || status === 409) answered++;
          else failures += ` ${s.resource}/${s.name}: HTTP ${status}`;
        },
      })),
    });
    if (answered < seeds.length && !failures) failures = ` ${seeds.length - answered} of ${seeds.length} requests got no answer`;
    return failures ? { answered, error: `pod ${this.pod.name}: preparing objects failed:${failures}` } : { answered };
  }

  async run(options: RunOptions, epoch: number): Promise<ClientRunResult> {
    const acc = new PodAccounting();
    acc.epoch = epoch;
    const target = await this.target();
    const rate = Math.min(this.pod.rate, this.pod.qps);
    const delay = epoch - performance.now();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (this.stopped) return acc.result(this.pod);
    let opened = 0;
    const instance = autocannon({
      ...this.baseOptions(target),
      setupClient: (client: unknown) => countConnects(client, () => opened++),
      connections: this.pod.http1.connections,
      overallRate: rate,
      duration: options.durationMs / 1000,
      amount: Math.min(options.maxRequests, Math.ceil((rate * options.durationMs) / 1000)),
      reconnectRate: this.pod.http1.reconnectRate,
      requests: [
        {
          setupRequest: (request: Record<string, unknown>) => {
            const call = this.mix.next();
            return {
              ...request,
              method: call.method,
              path: call.path,
              body: call.body,
              headers: { ...(request.headers as object), ...(call.contentType ? { 'content-type': call.contentType } : {}) },
            };
          },
          onResponse: (status: number, _body: string, _context: unknown, headers: Record<string, string>) => {
            const fromApiserver = headers['audit-id'] !== undefined || headers['Audit-Id'] !== undefined;
            // Without HTTP/2 and client-go's retry loop, every answer is the request's final one.
            acc.answered(status, fromApiserver);
            acc.finalAnswer(status, fromApiserver);
          },
        },
      ],
    });
    this.instance = instance as unknown as { stop(): void };
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => acc.completedWithLatency(responseTime));
    const result = (await instance) as unknown as AutocannonResult;
    const answered = Object.values(acc.answeredByCode).reduce((a, b) => a + b, 0) + Object.values(acc.gatewayByCode).reduce((a, b) => a + b, 0);
    const sent = result.requests.sent ?? result.totalRequests;
    acc.attempts = sent;
    if (result.errors > 0) acc.errors.connect = result.errors - result.timeouts;
    if (result.timeouts > 0) acc.errors.timeout = result.timeouts;
    // Requests autocannon sent but whose answer it stopped waiting for at the end of the duration.
    acc.inDoubt = Math.max(0, sent - answered - result.errors);
    acc.connections.opened = opened;
    return acc.result(this.pod);
  }

  /** The pod is deleted: autocannon stops and run() returns what it did. */
  stop(): void {
    this.stopped = true;
    this.instance?.stop();
  }

  /** autocannon fixes its rate when it starts, so an http1-pool pod cannot be reconfigured mid-run (the scenario loader says so). */
  change(): void {
    throw new Error(`pod ${this.pod.name}: the http1-pool profile cannot change its rate or QPS while it runs`);
  }

  close(): void {
    this.instance?.stop();
  }
}
