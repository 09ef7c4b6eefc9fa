// Client pods driven over their control port (scripts/targets/kind/loadClient/protocol.ts; docs/load-client.md): the
// ClientFleet of every real target, written once. Warm-up, one shared wall-clock start far enough ahead that every
// pod has its /run call by then, results polled until every pod reports, group changes, stops, and removal of the
// pods once their results are read. How a control call reaches a pod (the kind target: kubectl through the seed's pod
// proxy; the binary target: HTTP through the node) and how pods are removed is the target's ControlTransport.
import { pollUntil } from '../core/poll.ts';
import { CONTROL_PATHS, controlPath } from './kind/loadClient/protocol.ts';
import { mapLimited } from './kind/mapLimited.ts';
import type { ClientFleet, GroupChange } from './target.ts';
import type { ClientPodSpec, ClientRunResult, PodPrepared, PrepareResult, RunOptions } from '../core/clientPod.ts';

export interface ControlTransport {
  /** One control call (a GET of `pathWithQuery` on the pod's control port), its JSON answer. */
  control<T>(pod: ClientPodSpec, pathWithQuery: string, timeoutMs: number): Promise<T>;
  /** Deletes pods whose load ended (their results were read). */
  removePods(pods: ClientPodSpec[]): Promise<void>;
}

export interface ControlPortFleetOptions {
  /** How long the warm-up keeps trying while the path to the apiservers comes up (0: once). */
  warmUpRetryMs: number;
  /** Control calls in flight at once. */
  concurrency: number;
  /** How far ahead of now the shared start is set, for this many pods (every /run call must arrive before it). */
  startLeadMs: (pods: number) => number;
  /** Between polls of the results once the load phase is over. */
  resultPollMs: number;
  /** Called when the load phase starts (the target's warm-up policy changes after the first). */
  onRun?: () => void;
}

export class ControlPortFleet implements ClientFleet {
  private readonly stopped = new Set<string>();

  constructor(
    /** Each pod in its own control plane's namespace (pod.namespace). */
    private readonly pods: ClientPodSpec[],
    private readonly transport: ControlTransport,
    private readonly o: ControlPortFleetOptions,
  ) {}

  async prepare(): Promise<PrepareResult> {
    const path = controlPath(CONTROL_PATHS.prepare, { retryForMs: this.o.warmUpRetryMs });
    const prepared = await mapLimited(this.pods, this.o.concurrency, (pod) =>
      this.transport
        .control<PodPrepared>(pod, path, this.o.warmUpRetryMs + 120_000)
        .catch((error: Error): PodPrepared => ({ answered: 0, error: error.message })),
    );
    return {
      answered: prepared.reduce((sum, p) => sum + p.answered, 0),
      failed: prepared.flatMap((p, i) => (p.error !== undefined ? [{ pod: this.pods[i]!.name, error: p.error }] : [])),
    };
  }

  async run(options: RunOptions): Promise<ClientRunResult[]> {
    this.o.onRun?.();
    const epochUnixMs = Date.now() + this.o.startLeadMs(this.pods.length);
    const maxRequests = Math.max(1, Math.floor(options.maxRequests / Math.max(1, this.pods.length)));
    const runPath = controlPath(CONTROL_PATHS.run, { durationMs: options.durationMs, maxRequests, drainTimeoutMs: options.drainTimeoutMs, epochUnixMs });
    await mapLimited(this.pods, this.o.concurrency, (pod) => this.transport.control(pod, runPath, 30_000));
    const deadline = epochUnixMs + options.durationMs + (options.drainTimeoutMs ?? 10_000) + 60_000;
    const results = new Map<string, ClientRunResult>();
    await pollUntil(
      async () => {
        if (Date.now() < epochUnixMs + options.durationMs) return results.size;
        await mapLimited(
          this.pods.filter((p) => !results.has(p.name)),
          this.o.concurrency,
          async (pod) => {
            // Never past the deadline: a pod that does not answer must not hold the run beyond it (30 s per call,
            // one round of calls after another, would).
            const answer = await this.transport.control<ClientRunResult | { running: boolean }>(
              pod,
              CONTROL_PATHS.result,
              Math.min(30_000, Math.max(1_000, deadline - Date.now())),
            );
            if ('pod' in answer) results.set(pod.name, answer);
          },
        );
        return results.size;
      },
      (n) => n === this.pods.length,
      { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: this.o.resultPollMs, what: 'every load client to report its results' },
    );
    const stopped = this.pods.filter((p) => this.stopped.has(p.name));
    if (stopped.length > 0) await this.transport.removePods(stopped);
    return this.pods.map((p) => results.get(p.name)!);
  }

  async setGroup(group: string, change: GroupChange): Promise<void> {
    const path = controlPath(CONTROL_PATHS.set, { rate: change.rate, qps: change.qps, burst: change.burst });
    const pods = this.pods.filter((p) => p.group === group && !this.stopped.has(p.name));
    await mapLimited(pods, this.o.concurrency, (pod) => this.transport.control(pod, path, 30_000));
  }

  /** The pods' load ends now (their connections close); they are removed once their results are read. */
  async stopPods(pods: string[]): Promise<void> {
    const mine = this.pods.filter((p) => pods.includes(p.name));
    await mapLimited(mine, this.o.concurrency, (pod) => this.transport.control(pod, CONTROL_PATHS.stop, 30_000));
    for (const pod of mine) this.stopped.add(pod.name);
  }

  async close(): Promise<void> {
    await this.transport.removePods(this.pods);
  }
}
