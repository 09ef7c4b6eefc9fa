// The load-client pods of one fleet on a real cluster (a ClientFleet of scripts/targets/target.ts): each pod runs the
// load client (docs/kind.md#the-load-client) and is driven over its control port through the seed API server's pod
// proxy (`kubectl get --raw /api/v1/namespaces/<ns>/pods/<pod>:8080/proxy/...`, loadClient/protocol.ts): warm-up,
// one shared wall-clock start, results polled until every pod reports, group changes, stops, and deletion.
import type { ClientPodSpec, ClientRunResult, PodPrepared, PrepareResult, RunOptions } from '../../../sim/clients/types.ts';
import { pollUntil } from '../../runner/poll.ts';
import type { ClientFleet, GroupChange } from '../target.ts';
import { CONTROL_PATHS, controlPath, podProxyPath } from './loadClient/protocol.ts';
import { KUBECTL_CONCURRENCY as CONCURRENCY, mapLimited } from './mapLimited.ts';
import { seedFlags, type SeedAccess } from './steps.ts';
import type { ToolRunner } from './tools.ts';

/** Client pods driven over their control port through the seed API server's pod proxy (loadClient/protocol.ts). */
export class KindClientFleet implements ClientFleet {
  private readonly stopped = new Set<string>();

  constructor(
    /** Each pod in its own control plane's namespace (pod.namespace). */
    private readonly pods: ClientPodSpec[],
    private readonly runner: ToolRunner,
    private readonly access: SeedAccess,
    private readonly warmUpRetryMs: number,
    private readonly onRun: () => void,
  ) {}

  private async control<T>(pod: ClientPodSpec, pathWithQuery: string, timeoutMs = 30_000): Promise<T> {
    const result = await this.runner.run(
      'kubectl',
      [...seedFlags(this.access), 'get', '--raw', podProxyPath(pod.namespace, pod.name, pathWithQuery), `--request-timeout=${Math.ceil(timeoutMs / 1000)}s`],
      { timeoutMs: timeoutMs + 5_000 },
    );
    return JSON.parse(result.stdout) as T;
  }

  async prepare(): Promise<PrepareResult> {
    const prepared = await mapLimited(this.pods, CONCURRENCY, (pod) =>
      this.control<PodPrepared>(pod, controlPath(CONTROL_PATHS.prepare, { retryForMs: this.warmUpRetryMs }), this.warmUpRetryMs + 120_000).catch(
        (error: Error): PodPrepared => ({ answered: 0, error: error.message }),
      ),
    );
    return {
      answered: prepared.reduce((sum, p) => sum + p.answered, 0),
      failed: prepared.flatMap((p, i) => (p.error !== undefined ? [{ pod: this.pods[i]!.name, error: p.error }] : [])),
    };
  }

  async run(options: RunOptions): Promise<ClientRunResult[]> {
    this.onRun();
    // One wall-clock start for every pod, far enough ahead that every /run call has arrived by then.
    const epochUnixMs = Date.now() + 3_000 + 30 * this.pods.length;
    const maxRequests = Math.max(1, Math.floor(options.maxRequests / Math.max(1, this.pods.length)));
    await mapLimited(this.pods, CONCURRENCY, (pod) =>
      this.control(pod, controlPath(CONTROL_PATHS.run, { durationMs: options.durationMs, maxRequests, drainTimeoutMs: options.drainTimeoutMs, epochUnixMs })),
    );
    const deadline = epochUnixMs + options.durationMs + (options.drainTimeoutMs ?? 10_000) + 60_000;
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
      { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 1_000, what: 'every load client to report its results' },
    );
    for (const pod of this.pods.filter((p) => this.stopped.has(p.name))) await this.deletePods(pod.namespace, [pod.name]);
    return this.pods.map((p) => results.get(p.name)!);
  }

  async setGroup(group: string, change: GroupChange): Promise<void> {
    const pods = this.pods.filter((p) => p.group === group && !this.stopped.has(p.name));
    await mapLimited(pods, CONCURRENCY, (pod) =>
      this.control(pod, controlPath(CONTROL_PATHS.set, { rate: change.rate, qps: change.qps, burst: change.burst })),
    );
  }

  /** The pods' load ends now (their connections close); the pods are deleted once their results are read. */
  async stopPods(pods: string[]): Promise<void> {
    const mine = this.pods.filter((p) => pods.includes(p.name));
    await mapLimited(mine, CONCURRENCY, (pod) => this.control(pod, CONTROL_PATHS.stop));
    for (const pod of mine) this.stopped.add(pod.name);
  }

  private async deletePods(namespace: string, names: string[]): Promise<void> {
    await this.runner.run('kubectl', [...seedFlags(this.access), 'delete', 'pod', ...names, '-n', namespace, '--wait=false', '--ignore-not-found'], {
      timeoutMs: 120_000,
    });
  }

  async close(): Promise<void> {
    for (const namespace of new Set(this.pods.map((p) => p.namespace)))
      await this.deletePods(
        namespace,
        this.pods.filter((p) => p.namespace === namespace).map((p) => p.name),
      );
  }
}
