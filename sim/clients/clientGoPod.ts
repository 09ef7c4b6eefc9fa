// A pod running a client-go based controller: every request (and every watch) of the process shares one HTTP/2
// transport, passes client-go's token bucket (QPS/Burst), and follows rest.Request's retry rules (retryPolicy.ts);
// streams refused by GOAWAY never reached the server, and the HTTP/2 transport retries them on a new connection.
// Requests follow an open-loop schedule; latency runs from the intended send time.
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Rng } from '../../scripts/core/random.ts';
import type { PodNetwork } from './podNetwork.ts';
import { PodAccounting } from './accounting.ts';
import { OpenLoopSchedule } from './openLoopSchedule.ts';
import { lostAfterSend } from '../network/envoyLocalReply.ts';
import { ClientGoTransport, TransportError, type StreamHandlers } from './h2Transport.ts';
import { dialPod, podEndpoint, type PodEndpoint } from './podDialer.ts';
import { collectionPath, RequestMix, type RestCall } from './requestMix.ts';
import { CONNECTION_RESET_RETRY_MS, retryDecision } from './retryPolicy.ts';
import { TokenBucket } from './tokenBucket.ts';
import type { AuthenticatedUser, ClientPodSpec, ClientRunResult, PodPrepared, RunOptions } from '../../scripts/core/clientPod.ts';

/** What client-go sends as User-Agent: <binary>/<version> (<os>/<arch>) kubernetes/<commit>. */
export const CLIENT_GO_USER_AGENT = 'simulated-controller/v1.32.0 (linux/amd64) kubernetes/0000000';

export interface PodEnvironment {
  network: PodNetwork;
  rng: Rng;
}

export class ClientGoPod {
  private readonly endpoint: PodEndpoint;
  private readonly transport: ClientGoTransport;
  private bucket: TokenBucket;
  /** Who the apiserver took this pod for (warm-up's SelfSubjectReview). */
  private identity: AuthenticatedUser | undefined;
  /** client-go QPS and Burst now (a set-clients event changes them). */
  private limits: { qps: number; burst: number };
  /** Offered rate now (a set-clients event changes it, for the load phase under way and any later one). */
  private rate: number;
  private readonly mix: RequestMix;
  private readonly counters = { opened: 0, goawaysReceived: 0, resets: 0 };
  private readonly watchVersions = new Map<string, string>();
  private schedule: OpenLoopSchedule | undefined;
  /** Aborted when the pod is stopped (deleted) while it runs. */
  private readonly stopped = new AbortController();

  constructor(
    private readonly pod: ClientPodSpec,
    private readonly env: PodEnvironment,
  ) {
    this.endpoint = podEndpoint(pod);
    this.transport = new ClientGoTransport(() => dialPod(pod, this.endpoint, env.network, ['h2']), `https://${this.endpoint.authority}`, this.counters);
    this.limits = { qps: pod.qps, burst: pod.burst };
    this.rate = pod.rate;
    this.bucket = new TokenBucket(pod.qps, pod.burst);
    this.mix = new RequestMix(pod, env.rng.fork('mix'));
  }

  /**
   * Warm-up: create the objects the mix uses and list what the watches will follow. Never throws: a pod that cannot
   * reach its apiserver (no such host, connection refused by network policy) reports why, and its load then fails
   * request by request, counted by kind, as a crash-looping controller's would.
   */
  async prepare(): Promise<PodPrepared> {
    let answered = 0;
    try {
      answered = await this.warmUp((n) => (answered = n));
      return { answered };
    } catch (error) {
      return { answered, error: (error as Error).message };
    }
  }

  private async warmUp(progress: (answered: number) => void): Promise<number> {
    let answered = 0;
    for (const seed of this.mix.seedObjects()) {
      const res = await this.call({
        method: 'POST',
        path: collectionPath(seed.resource, this.pod.namespace),
        body: seed.body,
        contentType: 'application/json',
      });
      if (res.status !== 201 && res.status !== 409)
        throw new Error(`pod ${this.pod.name}: creating ${seed.resource}/${seed.name} failed: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      progress(++answered);
    }
    for (const watch of this.pod.watches) {
      const res = await this.call({ method: 'GET', path: `${collectionPath(watch.resource, this.pod.namespace)}?limit=500` });
      if (res.status !== 200) throw new Error(`pod ${this.pod.name}: listing ${watch.resource} failed: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      this.watchVersions.set(watch.resource, JSON.parse(res.body).metadata?.resourceVersion ?? '0');
      progress(++answered);
    }
    // `kubectl auth whoami`: who the apiserver that answers takes this pod for (through the gateway: the identity the
    // front-proxy headers carried). Recorded with the pod's results.
    const review = await this.call({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
      contentType: 'application/json',
    });
    if (review.status !== 201 && review.status !== 200)
      throw new Error(`pod ${this.pod.name}: SelfSubjectReview failed: HTTP ${review.status} ${review.body.slice(0, 200)}`);
    progress(++answered);
    const userInfo = JSON.parse(review.body).status?.userInfo as { username?: string; groups?: string[] } | undefined;
    this.identity = { username: userInfo?.username ?? '', groups: userInfo?.groups ?? [] };
    return answered;
  }

  /** A plain request outside the measurement (prepare). */
  private async call(req: { method: string; path: string; body?: string; contentType?: string }): Promise<{ status: number; body: string }> {
    let status = 0;
    let body = '';
    await this.transport.request(this.headers(req.method, req.path, req.contentType), req.body, {
      onResponse: (h) => {
        status = Number(h[':status']);
      },
      onData: (chunk) => {
        body += chunk.toString('utf8');
      },
    });
    return { status, body };
  }

  async run(options: RunOptions, epoch: number): Promise<ClientRunResult> {
    const acc = new PodAccounting();
    acc.epoch = epoch;
    const endAt = epoch + options.durationMs;
    const drain = new AbortController();
    // Every request in flight listens on this one signal: hundreds at a time is expected, not a leak.
    setMaxListeners(0, drain.signal);
    const inFlight = new Set<Promise<void>>();
    const track = (p: Promise<void>) => {
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    };

    // Informers: one long-lived watch per watched resource, for the whole load phase.
    const stopWatches = new AbortController();
    setMaxListeners(0, stopWatches.signal);
    const watchLoops = this.pod.watches.map((w) => this.watchLoop(w.resource, acc, stopWatches.signal));

    this.schedule = new OpenLoopSchedule(
      epoch,
      options.durationMs,
      options.maxRequests,
      this.pod.arrival,
      this.rate,
      this.env.rng.fork('arrivals'),
      (intended) => {
        acc.sendLag(intended);
        track(this.execute(this.mix.next(), intended, acc, drain.signal));
      },
    );
    await this.schedule.done;
    // The load phase lasts its full length unless the pod is stopped (deleted) earlier.
    const remaining = endAt - performance.now();
    if (remaining > 0 && !this.stopped.signal.aborted) await sleep(remaining, undefined, { signal: this.stopped.signal }).catch(() => undefined);

    // Drain: let requests in flight finish, then cancel what is left (counted as in doubt or unsent).
    const drained = Promise.all([...inFlight]);
    const drainTimer = new AbortController();
    const timedOut = await Promise.race([
      drained.then(() => false),
      sleep(options.drainTimeoutMs ?? 10_000, undefined, { signal: drainTimer.signal }).then(
        () => true,
        () => false,
      ),
    ]);
    drainTimer.abort();
    if (timedOut) {
      drain.abort();
      await Promise.all([...inFlight]);
    }
    stopWatches.abort();
    await Promise.all(watchLoops);
    acc.connections.opened = this.counters.opened;
    acc.connections.goawaysReceived = this.counters.goawaysReceived;
    acc.connections.resets = this.counters.resets;
    // A deleted pod's connections close with it.
    if (this.stopped.signal.aborted) this.transport.close();
    return { ...acc.result(this.pod), ...(this.identity ? { identity: this.identity } : {}) };
  }

  private async execute(call: RestCall, intended: number, acc: PodAccounting, signal: AbortSignal): Promise<void> {
    let retriesLeft = this.pod.maxRetries;
    let sentOnce = false;
    for (;;) {
      // client-go's tryThrottle: every attempt takes a token.
      const wait = this.bucket.reserve();
      if (wait > 0) {
        acc.throttled(wait);
        if (!(await this.pause(wait, signal))) return this.abandon(acc, sentOnce);
      }
      let status = 0;
      let retryAfter: string | undefined;
      let hasAuditId = false;
      // The body of an answer the gateway made (no Audit-Id, 5xx): it says whether the request reached a replica.
      // Only such answers are read; every other body is just drained.
      let gatewayBody: Buffer[] | undefined;
      const handlers: StreamHandlers = {
        onResponse: (h) => {
          status = Number(h[':status']);
          retryAfter = h['retry-after'] as string | undefined;
          hasAuditId = h['audit-id'] !== undefined;
          if (!hasAuditId && status >= 500) {
            const chunks: Buffer[] = (gatewayBody = []);
            handlers.onData = (chunk) => chunks.push(chunk);
          }
          acc.answered(status, hasAuditId);
        },
      };
      try {
        acc.attempts++;
        await this.transport.request(this.headers(call.method, call.path, call.contentType), call.body, handlers, signal);
        sentOnce = true;
        // Lost after it reached a replica (upstream reset, route timeout): the replica may have counted it.
        if (gatewayBody && lostAfterSend(status, Buffer.concat(gatewayBody).toString('utf8'))) acc.inDoubt++;
      } catch (error) {
        const e = error as TransportError;
        if (e.kind === 'refused') {
          // Never processed by the server: not an attempt it saw. The HTTP/2 transport retries at once.
          acc.attempts--;
          acc.retry('goaway-refused-stream');
          continue;
        }
        if (status !== 0) {
          // The answer was counted, but its body was cut off: the request failed after the server handled it.
          acc.error(e.kind === 'cancelled' ? 'cancelled-at-end' : 'reset-during-response');
          return;
        }
        if (e.kind === 'cancelled') {
          acc.inDoubt++;
          return;
        }
        if (e.kind === 'dns' || e.kind === 'connect' || e.kind === 'tls' || e.kind === 'protocol') acc.attempts--;
        // A reset request may or may not have been counted by the server.
        if (e.kind === 'reset') acc.inDoubt++;
        const decision = retryDecision({ type: 'failed', error: e.kind, method: call.method }, retriesLeft);
        if (decision.retry) {
          retriesLeft--;
          acc.retry(decision.reason);
          if (!(await this.pause(decision.delayMs, signal))) return this.abandon(acc, true);
          continue;
        }
        acc.error(e.kind);
        return;
      }
      const decision = retryDecision({ type: 'answered', status, retryAfter }, retriesLeft);
      if (decision.retry) {
        retriesLeft--;
        acc.retry(decision.reason);
        if (!(await this.pause(decision.delayMs, signal))) return this.abandon(acc, true);
        continue;
      }
      acc.finalAnswer(status, hasAuditId);
      acc.completed(intended);
      return;
    }
  }

  /** Sleeps unless the run is being cut off; false when aborted. */
  private async pause(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }

  private abandon(acc: PodAccounting, sentOnce: boolean): void {
    if (sentOnce) acc.error('cancelled-at-end');
    else acc.unsent++;
  }

  /** A reflector-style watch: re-opened (from the last resourceVersion) when the server ends it, until stopped. */
  private async watchLoop(resource: RestCall['resource'], acc: PodAccounting, stop: AbortSignal): Promise<void> {
    let buffer = '';
    while (!stop.aborted) {
      const rv = this.watchVersions.get(resource) ?? '0';
      const timeout = 300 + this.env.rng.int(300); // reflectors pick 5-10 min
      const path = `${collectionPath(resource, this.pod.namespace)}?allowWatchBookmarks=true&resourceVersion=${rv}&timeoutSeconds=${timeout}&watch=true`;
      const wait = this.bucket.reserve();
      if (wait > 0 && !(await this.pause(wait, stop))) return;
      acc.attempts++;
      try {
        await this.transport.request(
          this.headers('GET', path),
          undefined,
          {
            onResponse: (h) => {
              acc.answered(Number(h[':status']), h['audit-id'] !== undefined);
              acc.watches.opened++;
            },
            onData: (chunk) => {
              buffer += chunk.toString('utf8');
              let newline = buffer.indexOf('\n');
              while (newline >= 0) {
                const line = buffer.slice(0, newline);
                buffer = buffer.slice(newline + 1);
                newline = buffer.indexOf('\n');
                if (!line) continue;
                acc.watches.events++;
                const version = /"resourceVersion":"(\d+)"/.exec(line)?.[1];
                if (version) this.watchVersions.set(resource, version);
              }
            },
          },
          stop,
        );
      } catch (error) {
        const e = error as TransportError;
        if (e.kind === 'refused') {
          acc.attempts--;
          continue;
        }
        if (e.kind === 'cancelled') return;
        acc.error(`watch-${e.kind}`);
        if (!(await this.pause(CONNECTION_RESET_RETRY_MS, stop))) return;
      }
    }
  }

  private headers(method: string, path: string, contentType?: string) {
    return {
      ':method': method,
      ':path': path,
      ':scheme': 'https',
      ':authority': this.endpoint.authority,
      ...(this.pod.kubeconfig.token ? { authorization: `Bearer ${this.pod.kubeconfig.token}` } : {}),
      accept: 'application/json, */*',
      'user-agent': CLIENT_GO_USER_AGENT,
      ...(contentType ? { 'content-type': contentType } : {}),
    };
  }

  /** A timeline event reconfigured the controller: a new offered rate, or new client-go QPS/Burst (a new limiter). */
  change(change: { rate?: number; qps?: number; burst?: number }): void {
    if (change.rate !== undefined) {
      this.rate = change.rate;
      this.schedule?.setRate(change.rate);
    }
    if (change.qps !== undefined || change.burst !== undefined) {
      // A controller restarted with a new rest.Config gets a new rate limiter (client-go flowcontrol), full again.
      this.limits = { qps: change.qps ?? this.limits.qps, burst: change.burst ?? this.limits.burst };
      this.bucket = new TokenBucket(this.limits.qps, this.limits.burst);
    }
  }

  /** The pod is deleted: no new requests; those in flight finish and run() returns. */
  stop(): void {
    this.stopped.abort();
    this.schedule?.stop();
  }

  get openConnections(): number {
    return this.transport.openConnections;
  }

  close(): void {
    this.transport.close();
  }
}
