// Per-replica load over the load phase, read from the replicas' /metrics once per bucket (1 s), while the replica set
// changes under it (docs/measurement.md#counting-across-restarts). What a monitoring system does with counters, done
// by hand so the runner needs nothing but /metrics:
// - a counter belongs to one process. process_start_time_seconds tells a restarted process from one whose counters
//   merely grew; a counter that went down is a reset too (Prometheus' rate() rule). Each process ("incarnation") adds
//   what it counted since its baseline: the scrape when the phase began for processes that were already running,
//   zero for processes that started during the phase;
// - a process that ends takes its last increments with it unless the target hands over its last /metrics
//   (ChangeOutcome.finalMetrics → ingestFinal); a restart seen only by its new start time is noted as unobserved;
// - a scrape that was already on its way when its process ended can arrive after the final text: a snapshot of an
//   incarnation that has ended is ignored, so nothing is counted twice;
// - a replica is "up" in a bucket when it answered the scrape at both ends of it (the imbalance of a bucket is taken
//   over those replicas: a scaled-out replica that L4 leaves idle counts, one that was down does not);
// - apiserver_current_inflight_requests is kube-apiserver's own 1 s watermark (maxinflight.go), so one scrape per
//   second sees every peak.
import type { MetricsEndpoint } from '../targets/target.ts';
import { addCounts, countsDelta, onePerTurn, snapshotOf, ZERO_COUNTS, type ReplicaCounts, type ReplicaSnapshot } from './scrape.ts';
import { pollUntilSettled } from '../core/poll.ts';

/** What the sampler reads from a running cluster each bucket. */
export interface LoadSource {
  replicaMetrics(): MetricsEndpoint[];
  replicaConnections(): Promise<Record<string, number> | undefined>;
}

/** One process of a replica during the phase: its counters from `baseline` (undefined: it started at zero) to `last`. */
export interface Incarnation {
  startTime: number;
  baseline: ReplicaSnapshot | undefined;
  last: ReplicaSnapshot;
  ended: boolean;
  /** Whether `last` is the process's final /metrics, handed over by the target. */
  final: boolean;
}

export interface ReplicaSeries {
  replica: string;
  /** A neighbour control plane's replica (docs/scenarios.md#shared-gateway); absent for the one under test. */
  controlPlane?: string;
  /** Per bucket: requests counted, 429s among them, the inflight watermark, open client connections (NaN: unknown). */
  requests: number[];
  tooManyRequests: number[];
  inflight: number[];
  openConnections: number[];
  /** Per bucket: whether the replica answered its scrapes at both ends. */
  up: boolean[];
  incarnations: Incarnation[];
  /** Everything the replica's processes counted during the phase. */
  totals: ReplicaCounts;
  inflightPeak: number;
}

export interface LoadSamples {
  bucketMs: number;
  /** Every replica that existed during the phase, in the order they were first seen. */
  replicas: ReplicaSeries[];
  /** Scrape failures of replicas that were expected to answer, and restarts whose last counts were not seen. */
  notes: string[];
}

/** One bucket as it closes, for live displays. */
export interface BucketSample {
  index: number;
  replicas: { replica: string; controlPlane?: string; requests: number; tooManyRequests: number; up: boolean }[];
}

export interface LoadSamplerOptions {
  bucketMs?: number;
  onBucket?: (sample: BucketSample) => void;
}

interface Track {
  series: ReplicaSeries;
  /** Cumulative requests and 429s at the end of the last bucket. */
  counted: { requests: number; tooManyRequests: number };
  /** Whether the previous scrape (the start of the current bucket) answered. */
  answered: boolean;
  /** Failed scrapes not yet explained: a process that ended explains them, the same process answering again does not. */
  pendingFailures: { count: number; error: string };
  /** Scrapes that failed while the same process kept running (a lossy measurement, noted at the end). */
  unexplainedFailures: { count: number; error: string };
}

type ScrapeOutcome = { replica: string; controlPlane?: string } & ({ snapshot: ReplicaSnapshot } | { error: string });

/** One read of the cluster: every replica's scrape, and the open connections per replica where the target knows them. */
interface Reading {
  outcomes: ScrapeOutcome[];
  connections: Record<string, number> | undefined;
}

const MAX_NOTES = 20;

export class LoadSampler {
  private readonly bucketMs: number;
  private readonly tracks = new Map<string, Track>();
  private readonly notes: string[] = [];
  private buckets = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private begun = false;
  /** The target's replicas count exempt requests that are not the clients' (MetricsEndpoint.excludeExempt). */
  private excludeExempt = false;
  /** Each replica's latest ChangeOutcome.initialMetrics. */
  private readonly initials = new Map<string, ReplicaSnapshot>();

  constructor(
    private readonly source: LoadSource,
    private readonly options: LoadSamplerOptions = {},
  ) {
    this.bucketMs = options.bucketMs ?? 1000;
  }

  /** The baseline: every replica's counters as the phase begins. Call right before the load starts. */
  async begin(): Promise<void> {
    for (const outcome of (await this.read()).outcomes) {
      const track = this.track(outcome.replica, outcome.controlPlane);
      if ('snapshot' in outcome) {
        track.series.incarnations.push({
          startTime: outcome.snapshot.startTime,
          baseline: outcome.snapshot,
          last: outcome.snapshot,
          ended: false,
          final: false,
        });
        track.answered = true;
      }
    }
    this.begun = true;
  }

  /** Samples once per bucket from now on. */
  start(): void {
    if (!this.begun) throw new Error('LoadSampler.start() before begin()');
    this.timer = setInterval(() => void this.sampleNow(), this.bucketMs);
  }

  /** Closes the current bucket now (what the timer does once per bucket; tests call it directly). */
  sampleNow(): Promise<void> {
    this.chain = this.chain.then(() => this.sample());
    return this.chain;
  }

  /**
   * A process's last /metrics, handed over by the target as it stopped the process (ChangeOutcome.finalMetrics):
   * closes that incarnation with its true final counts.
   */
  ingestFinal(finals: { replica: string; text: string }[]): void {
    for (const final of finals) {
      let snapshot: ReplicaSnapshot;
      try {
        snapshot = snapshotOf(final.replica, final.text, { excludeExempt: this.excludeExempt });
      } catch (error) {
        this.note(`final /metrics of ${final.replica} unreadable: ${(error as Error).message}`);
        continue;
      }
      // Usually the newest process; an older one when the replica's next process was scraped before the change that
      // restarted it returned.
      const incarnation = this.tracks.get(final.replica)?.series.incarnations.find((i) => sameProcess(i, snapshot) && !i.final);
      if (!incarnation) {
        this.note(`final /metrics of ${final.replica} belong to no process seen during the phase; not counted`);
        continue;
      }
      incarnation.last = snapshot;
      incarnation.ended = true;
      incarnation.final = true;
      this.tracks.get(final.replica)!.pendingFailures = { count: 0, error: '' };
    }
  }

  /**
   * Ends sampling. `expectedRequests` (what the clients saw answered) lets the last scrape wait, up to `settleMs`,
   * for counters that are written when a request ends rather than when it is answered (a WATCH is counted when it
   * closes, a moment after the client cancelled it); without it the counters are read until they stop moving.
   */
  async finish(options: { expectedRequests?: number; settleMs?: number } = {}): Promise<LoadSamples> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.chain;
    const reading = await pollUntilSettled(
      () => this.read(),
      (a, b) => a.outcomes.length === b.outcomes.length && a.outcomes.every((x, i) => requestsOf(x) === requestsOf(b.outcomes[i]!)),
      {
        timeoutMs: options.settleMs ?? 2000,
        intervalMs: 100,
        stableReads: 5,
        done: (latest) => options.expectedRequests !== undefined && this.countedWith(latest.outcomes) === options.expectedRequests,
      },
    );
    this.record(reading);
    for (const track of this.tracks.values()) {
      track.series.totals = totalsOf(track.series.incarnations);
      const failed = track.unexplainedFailures;
      if (failed.count > 0)
        this.note(
          `${failed.count} scrapes of ${track.series.replica} failed while its process kept running (${failed.error}): those buckets count the requests late`,
        );
      for (const i of track.series.incarnations.slice(0, -1)) {
        if (!i.final) this.note(`${track.series.replica} restarted without handing over its last /metrics: requests after its last scrape are not counted`);
      }
    }
    return { bucketMs: this.bucketMs, replicas: [...this.tracks.values()].map((t) => t.series), notes: [...this.notes] };
  }

  /** Stops the timer without a final read (the run failed). */
  abort(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async sample(): Promise<void> {
    this.record(await this.read());
  }

  /** Connections first, then the scrapes: the scrape's own connection is then not in flight while they are counted. */
  private async read(): Promise<Reading> {
    const connections = await this.source.replicaConnections().catch((error: Error) => {
      this.note(`open connections unknown: ${error.message}`);
      return undefined;
    });
    // Every replica is read at the same moment, then parsed one per event-loop turn (scrape.ts onePerTurn).
    const texts = await Promise.all(
      this.source
        .replicaMetrics()
        .map(async (endpoint): Promise<{ endpoint: MetricsEndpoint; text: string } | { endpoint: MetricsEndpoint; error: string }> => {
          try {
            return { endpoint, text: await endpoint.scrape() };
          } catch (error) {
            return { endpoint, error: (error as Error).message };
          }
        }),
    );
    const outcomes = await onePerTurn(texts, (read): ScrapeOutcome => {
      const { endpoint } = read;
      const who = { replica: endpoint.replica, ...(endpoint.controlPlane ? { controlPlane: endpoint.controlPlane } : {}) };
      if ('error' in read) return { ...who, error: read.error };
      try {
        if (endpoint.excludeExempt) this.excludeExempt = true;
        return { ...who, snapshot: snapshotOf(endpoint.replica, read.text, { excludeExempt: endpoint.excludeExempt }) };
      } catch (error) {
        return { ...who, error: (error as Error).message };
      }
    });
    return { outcomes, connections };
  }

  /** Closes a bucket with this reading. */
  private record({ outcomes, connections }: Reading): void {
    const index = this.buckets;
    const seen = new Set<string>();
    for (const outcome of outcomes) {
      seen.add(outcome.replica);
      const track = this.track(outcome.replica, outcome.controlPlane);
      const s = track.series;
      const answered = 'snapshot' in outcome;
      if (answered) this.observe(track, outcome.snapshot);
      else if (s.incarnations.length > 0) track.pendingFailures = { count: track.pendingFailures.count + 1, error: outcome.error };
      const counted = cumulative(s.incarnations);
      s.requests.push(counted.requests - track.counted.requests);
      s.tooManyRequests.push(counted.tooManyRequests - track.counted.tooManyRequests);
      s.inflight.push(answered ? outcome.snapshot.inflight.readOnly + outcome.snapshot.inflight.mutating : 0);
      s.up.push(answered && track.answered);
      s.openConnections.push(connections?.[outcome.replica] ?? NaN);
      s.inflightPeak = Math.max(s.inflightPeak, s.inflight.at(-1)!);
      track.counted = counted;
      track.answered = answered;
    }
    // Replicas that are gone (deleted) keep a value in every bucket.
    for (const [name, track] of this.tracks) {
      if (seen.has(name)) continue;
      const s = track.series;
      s.requests.push(0);
      s.tooManyRequests.push(0);
      s.inflight.push(0);
      s.up.push(false);
      s.openConnections.push(0);
      track.answered = false;
    }
    this.buckets++;
    this.options.onBucket?.({
      index,
      replicas: [...this.tracks.values()].map((t) => ({
        replica: t.series.replica,
        ...(t.series.controlPlane ? { controlPlane: t.series.controlPlane } : {}),
        requests: t.series.requests[index]!,
        tooManyRequests: t.series.tooManyRequests[index]!,
        up: t.series.up[index]!,
      })),
    });
  }

  private observe(track: Track, snapshot: ReplicaSnapshot): void {
    const incarnations = track.series.incarnations;
    if (incarnations.some((i) => i.ended && sameProcess(i, snapshot))) return; // a scrape that raced the process's end
    const current = incarnations.at(-1);
    if (current && !current.ended) {
      if (sameProcess(current, snapshot) && snapshot.counterTotal >= current.last.counterTotal) {
        current.last = snapshot;
        if (track.pendingFailures.count > 0) {
          track.unexplainedFailures = { count: track.unexplainedFailures.count + track.pendingFailures.count, error: track.pendingFailures.error };
        }
        track.pendingFailures = { count: 0, error: '' };
        return;
      }
      current.ended = true;
    }
    track.pendingFailures = { count: 0, error: '' };
    // A process that started during the phase counts from zero, or from the /metrics its target read as it became
    // ready (ChangeOutcome.initialMetrics: a real kube-apiserver counts its own start-up requests).
    const initial = this.initials.get(track.series.replica);
    const baseline = initial && initial.startTime === snapshot.startTime ? initial : undefined;
    incarnations.push({ startTime: snapshot.startTime, baseline, last: snapshot, ended: false, final: false });
  }

  /**
   * A new process's /metrics as its target read it when it became ready, before any client could reach it
   * (ChangeOutcome.initialMetrics): that process counts from there, not from zero.
   */
  ingestInitial(initials: { replica: string; text: string }[]): void {
    for (const initial of initials) {
      const snapshot = snapshotOf(initial.replica, initial.text, { excludeExempt: this.excludeExempt });
      this.initials.set(initial.replica, snapshot);
      const incarnation = this.tracks.get(initial.replica)?.series.incarnations.find((i) => sameProcess(i, snapshot));
      if (incarnation && !incarnation.baseline) incarnation.baseline = snapshot;
    }
  }

  private track(replica: string, controlPlane: string | undefined): Track {
    let track = this.tracks.get(replica);
    if (!track) {
      const pad = <T>(value: T) => Array.from({ length: this.buckets }, () => value);
      track = {
        series: {
          replica,
          ...(controlPlane ? { controlPlane } : {}),
          requests: pad(0),
          tooManyRequests: pad(0),
          inflight: pad(0),
          openConnections: pad(NaN),
          up: pad(false),
          incarnations: [],
          totals: ZERO_COUNTS,
          inflightPeak: 0,
        },
        counted: { requests: 0, tooManyRequests: 0 },
        answered: false,
        pendingFailures: { count: 0, error: '' },
        unexplainedFailures: { count: 0, error: '' },
      };
      this.tracks.set(replica, track);
    }
    return track;
  }

  /** What every replica would have counted if these scrapes were recorded. */
  private countedWith(outcomes: ScrapeOutcome[]): number {
    let total = 0;
    const byReplica = new Map(outcomes.map((o) => [o.replica, o]));
    for (const [name, track] of this.tracks) {
      const incarnations = track.series.incarnations.map((i) => ({ ...i }));
      const outcome = byReplica.get(name);
      const current = incarnations.at(-1);
      if (outcome && 'snapshot' in outcome && current && !current.ended && sameProcess(current, outcome.snapshot)) current.last = outcome.snapshot;
      total += cumulative(incarnations).requests;
    }
    for (const outcome of outcomes) if (!this.tracks.has(outcome.replica) && 'snapshot' in outcome) total += outcome.snapshot.requests;
    return total;
  }

  private note(message: string): void {
    if (this.notes.length < MAX_NOTES) this.notes.push(message);
  }
}

function sameProcess(incarnation: Incarnation, snapshot: ReplicaSnapshot): boolean {
  return incarnation.startTime === snapshot.startTime;
}

function requestsOf(outcome: ScrapeOutcome): number {
  return 'snapshot' in outcome ? outcome.snapshot.requests : -1;
}

function cumulative(incarnations: Incarnation[]): { requests: number; tooManyRequests: number } {
  let requests = 0;
  let tooManyRequests = 0;
  for (const i of incarnations) {
    requests += i.last.requests - (i.baseline?.requests ?? 0);
    tooManyRequests += (i.last.byCode['429'] ?? 0) - (i.baseline?.byCode['429'] ?? 0);
  }
  return { requests, tooManyRequests };
}

/** The sum over a replica's processes of what each counted since its baseline. */
export function totalsOf(incarnations: Incarnation[]): ReplicaCounts {
  return incarnations.reduce<ReplicaCounts>((sum, i) => addCounts(sum, countsDelta(i.last, i.baseline ?? ZERO_COUNTS)), ZERO_COUNTS);
}
