// A fake metrics source for the dashboard tests: MetricsEndpoint[] whose /metrics text grows like a loaded replica's
// (apiserver_request_total by code, apiserver_current_inflight_requests, process_start_time_seconds), with controls
// to change the load, restart a replica (its counters start again at zero) or make its scrape fail.
import type { MetricsEndpoint } from '../../scripts/targets/target.ts';

export interface FakeReplica {
  name: string;
  /** Requests per second it is "serving" now, and the share of them answered 429. */
  rate: number;
  tooManyShare: number;
  inflight: number;
  fail?: string;
}

export class FakeMetrics {
  private readonly counters = new Map<string, { ok: number; tooMany: number; startTime: number; at: number }>();
  scrapes = 0;

  constructor(readonly replicas: FakeReplica[]) {
    for (const r of replicas) this.counters.set(r.name, { ok: 0, tooMany: 0, startTime: 1_700_000_000, at: performance.now() });
  }

  replica(name: string): FakeReplica {
    return this.replicas.find((r) => r.name === name)!;
  }

  restart(name: string): void {
    const c = this.counters.get(name)!;
    Object.assign(c, { ok: 0, tooMany: 0, startTime: c.startTime + 100, at: performance.now() });
  }

  endpoints(): MetricsEndpoint[] {
    return this.replicas.map((r) => ({ replica: r.name, scrape: async () => this.text(r) }));
  }

  private text(r: FakeReplica): string {
    this.scrapes++;
    if (r.fail) throw new Error(r.fail);
    const c = this.counters.get(r.name)!;
    const now = performance.now();
    const n = (r.rate * (now - c.at)) / 1000;
    c.at = now;
    c.tooMany += n * r.tooManyShare;
    c.ok += n * (1 - r.tooManyShare);
    return [
      '# TYPE apiserver_request_total counter',
      `apiserver_request_total{code="200",component="apiserver",resource="configmaps",verb="LIST"} ${Math.floor(c.ok)}`,
      `apiserver_request_total{code="429",component="apiserver",resource="configmaps",verb="LIST"} ${Math.floor(c.tooMany)}`,
      '# TYPE apiserver_current_inflight_requests gauge',
      `apiserver_current_inflight_requests{request_kind="readOnly"} ${r.inflight}`,
      'apiserver_current_inflight_requests{request_kind="mutating"} 0',
      '# TYPE process_start_time_seconds gauge',
      `process_start_time_seconds ${c.startTime}`,
      '',
    ].join('\n');
  }
}
