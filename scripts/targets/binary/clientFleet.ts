// The client pods of one fleet on the binary target (a ClientFleet of scripts/targets/target.ts): each is the Go
// load client in its own network namespace (clientPods.ts), driven over its control port (loadClient/protocol.ts)
// through the node, as the kind target drives its pods through the seed's pod proxy: warm-up, one shared wall-clock
// start, results polled until every pod reports, group changes, stops.
import http from 'node:http';
import type { ClientPodSpec, ClientRunResult, PodPrepared, PrepareResult, RunOptions } from '../../../sim/clients/types.ts';
import { pollUntil } from '../../runner/poll.ts';
import { CONTROL_PATHS, CONTROL_PORT, controlPath } from '../kind/loadClient/protocol.ts';
import { mapLimited } from '../kind/mapLimited.ts';
import type { ClientFleet, GroupChange } from '../target.ts';

/** Control calls in flight at once. */
const CONCURRENCY = 16;

export class BinaryClientFleet implements ClientFleet {
  private readonly stopped = new Set<string>();

  constructor(
    private readonly pods: ClientPodSpec[],
    private readonly agent: http.Agent,
    private readonly warmUpRetryMs: number,
    /** Ends the pods' processes and namespaces (after their results were read). */
    private readonly removePods: (pods: string[]) => Promise<void>,
  ) {}

  private control<T>(pod: ClientPodSpec, pathWithQuery: string, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const request = http.get({ host: pod.ip, port: CONTROL_PORT, path: pathWithQuery, agent: this.agent, timeout: timeoutMs }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (c: string) => (body += c));
        response.on('end', () => {
          if ((response.statusCode ?? 0) >= 400) return reject(new Error(`${pod.name} ${pathWithQuery}: ${response.statusCode} ${body.slice(0, 300)}`));
          try {
            resolve(JSON.parse(body) as T);
          } catch {
            reject(new Error(`${pod.name} ${pathWithQuery}: not JSON: ${body.slice(0, 200)}`));
          }
        });
      });
      request.on('timeout', () => request.destroy(new Error(`${pod.name} ${pathWithQuery} timed out after ${timeoutMs} ms`)));
      request.on('error', reject);
    });
  }

  async prepare(): Promise<PrepareResult> {
    const prepared = await mapLimited(this.pods, CONCURRENCY, (pod) =>
      this.control<PodPrepared>(pod, controlPath(CONTROL_PATHS.prepare, { retryForMs: this.warmUpRetryMs }), this.warmUpRetryMs + 60_000).catch(
        (error: Error): PodPrepared => ({ answered: 0, error: error.message }),
      ),
    );
    return {
      answered: prepared.reduce((sum, p) => sum + p.answered, 0),
      failed: prepared.flatMap((p, i) => (p.error !== undefined ? [{ pod: this.pods[i]!.name, error: p.error }] : [])),
    };
  }

  async run(options: RunOptions): Promise<ClientRunResult[]> {
    // One wall-clock start for every pod, far enough ahead that every /run call has arrived by then.
    const epochUnixMs = Date.now() + 1_000 + 10 * this.pods.length;
    const maxRequests = Math.max(1, Math.floor(options.maxRequests / Math.max(1, this.pods.length)));
    await mapLimited(this.pods, CONCURRENCY, (pod) =>
      this.control(pod, controlPath(CONTROL_PATHS.run, { durationMs: options.durationMs, maxRequests, drainTimeoutMs: options.drainTimeoutMs, epochUnixMs })),
    );
    const deadline = epochUnixMs + options.durationMs + (options.drainTimeoutMs ?? 10_000) + 30_000;
    const results = new Map<string, ClientRunResult>();
    await pollUntil(
      async () => {
        if (Date.now() < epochUnixMs + options.durationMs) return results.size;
        await mapLimited(
          this.pods.filter((p) => !results.has(p.name)),
          CONCURRENCY,
          async (pod) => {
            const answer = await this.control<ClientRunResult | { running: boolean }>(pod, CONTROL_PATHS.result);
            if ('pod' in answer) results.set(pod.name, answer);
          },
        );
        return results.size;
      },
      (n) => n === this.pods.length,
      { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 250, what: 'every load client to report its results' },
    );
    const stopped = this.pods.filter((p) => this.stopped.has(p.name)).map((p) => p.name);
    if (stopped.length > 0) await this.removePods(stopped);
    return this.pods.map((p) => results.get(p.name)!);
  }

  async setGroup(group: string, change: GroupChange): Promise<void> {
    const pods = this.pods.filter((p) => p.group === group && !this.stopped.has(p.name));
    await mapLimited(pods, CONCURRENCY, (pod) =>
      this.control(pod, controlPath(CONTROL_PATHS.set, { rate: change.rate, qps: change.qps, burst: change.burst })),
    );
  }

  async stopPods(pods: string[]): Promise<void> {
    const mine = this.pods.filter((p) => pods.includes(p.name));
    await mapLimited(mine, CONCURRENCY, (pod) => this.control(pod, CONTROL_PATHS.stop));
    for (const pod of mine) this.stopped.add(pod.name);
  }

  async close(): Promise<void> {
    await this.removePods(this.pods.map((p) => p.name));
  }
}
