// Scrapes every replica once per second during the load phase: per-second request counts (the "rate over time"
// view) and the apiserver_current_inflight_requests watermark, which kube-apiserver itself maintains as the maximum
// of the last second (maxinflight.go), so one scrape per second sees every peak.
import type { MetricsScraper, ReplicaSnapshot } from './scrape.ts';

export interface SamplerResult {
  /** replica → requests in each 1 s interval. */
  perSecond: Record<string, number[]>;
  /** replica → highest inflight (readOnly + mutating) seen. */
  inflightPeak: Record<string, number>;
  errors: string[];
}

export class PerSecondSampler {
  private timer: NodeJS.Timeout | undefined;
  private previous: ReplicaSnapshot[];
  private readonly result: SamplerResult = { perSecond: {}, inflightPeak: {}, errors: [] };
  private inFlight: Promise<void> = Promise.resolve();

  constructor(
    private readonly scraper: MetricsScraper,
    baseline: ReplicaSnapshot[],
    private readonly intervalMs = 1000,
  ) {
    this.previous = baseline;
    for (const s of baseline) {
      this.result.perSecond[s.replica] = [];
      this.result.inflightPeak[s.replica] = 0;
    }
  }

  start(): void {
    this.timer = setInterval(() => {
      this.inFlight = this.inFlight.then(() => this.sample());
    }, this.intervalMs);
  }

  /** Stops sampling; `final` (the after-run snapshot) closes the last, partial interval. */
  async stop(final: ReplicaSnapshot[]): Promise<SamplerResult> {
    clearInterval(this.timer);
    await this.inFlight;
    this.record(final);
    return this.result;
  }

  private async sample(): Promise<void> {
    try {
      this.record(await this.scraper.scrapeAll());
    } catch (error) {
      if (this.result.errors.length < 10) this.result.errors.push((error as Error).message);
    }
  }

  private record(snapshots: ReplicaSnapshot[]): void {
    for (const snapshot of snapshots) {
      const before = this.previous.find((p) => p.replica === snapshot.replica);
      this.result.perSecond[snapshot.replica]?.push(snapshot.requests - (before?.requests ?? 0));
      const inflight = snapshot.inflight.readOnly + snapshot.inflight.mutating;
      this.result.inflightPeak[snapshot.replica] = Math.max(this.result.inflightPeak[snapshot.replica] ?? 0, inflight);
    }
    this.previous = snapshots;
  }
}
