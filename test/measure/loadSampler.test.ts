// The load sampler's counting across a changing replica set (scripts/measure/loadSampler.ts,
// docs/measurement.md#counting-across-restarts), fed Prometheus text from a fake cluster: restarts with and without
// the final /metrics, a scrape that races the process's end, replicas added and deleted, the up mask.
import { describe, expect, it } from 'vitest';
import { LoadSampler, type LoadSource } from '../../scripts/measure/loadSampler.ts';

interface FakeReplica {
  startTime: number;
  requests: number;
  tooMany: number;
  inflight: number;
  /** false: the scrape fails (the process is down). */
  up: boolean;
}

function metricsText(r: FakeReplica): string {
  return [
    '# TYPE apiserver_request_total counter',
    `apiserver_request_total{verb="GET",code="200",resource="leases"} ${r.requests - r.tooMany}`,
    `apiserver_request_total{verb="GET",code="429",resource="leases"} ${r.tooMany}`,
    '# TYPE apiserver_current_inflight_requests gauge',
    `apiserver_current_inflight_requests{request_kind="readOnly"} ${r.inflight}`,
    `apiserver_current_inflight_requests{request_kind="mutating"} 0`,
    '# TYPE process_start_time_seconds gauge',
    `process_start_time_seconds ${r.startTime}`,
    '',
  ].join('\n');
}

class FakeCluster implements LoadSource {
  readonly replicas = new Map<string, FakeReplica>();
  connections: Record<string, number> | undefined = {};
  /** Called inside a scrape, before it answers (to race a stop against it). */
  duringScrape: ((replica: string) => void) | undefined;

  add(name: string, startTime: number, requests = 0): FakeReplica {
    const r = { startTime, requests, tooMany: 0, inflight: 0, up: true };
    this.replicas.set(name, r);
    return r;
  }

  replicaMetrics() {
    return [...this.replicas.entries()].map(([replica, r]) => ({
      replica,
      scrape: async () => {
        const text = metricsText(r);
        this.duringScrape?.(replica);
        if (!r.up) throw new Error('connect ECONNREFUSED');
        return text;
      },
    }));
  }

  async replicaConnections() {
    return this.connections;
  }
}

async function begun(cluster: FakeCluster): Promise<LoadSampler> {
  const sampler = new LoadSampler(cluster);
  await sampler.begin();
  return sampler;
}

describe('LoadSampler', () => {
  it('counts from the baseline, per bucket, with 429s, inflight watermarks and open connections', async () => {
    const cluster = new FakeCluster();
    const a = cluster.add('a', 100, 1000);
    const b = cluster.add('b', 100, 50);
    const sampler = await begun(cluster);
    a.requests += 30;
    a.tooMany = 4;
    a.inflight = 7;
    b.requests += 10;
    cluster.connections = { a: 3, b: 1 };
    await sampler.sampleNow();
    a.requests += 5;
    await sampler.sampleNow();
    const samples = await sampler.finish({ settleMs: 0 });
    const [sa, sb] = samples.replicas;
    expect(sa!.requests).toEqual([30, 5, 0]);
    expect(sa!.tooManyRequests).toEqual([4, 0, 0]);
    expect(sa!.inflight).toEqual([7, 7, 7]);
    expect(sa!.openConnections).toEqual([3, 3, 3]);
    expect(sa!.totals.requests).toBe(35);
    expect(sa!.totals.byCode).toEqual({ '200': 31, '429': 4 });
    expect(sb!.totals.requests).toBe(10);
    expect(sa!.up).toEqual([true, true, true]);
    expect(samples.notes).toEqual([]);
  });

  it('a restart whose final /metrics are handed over loses nothing; the new process counts from zero', async () => {
    const cluster = new FakeCluster();
    const a = cluster.add('a', 100, 500);
    const sampler = await begun(cluster);
    a.requests += 20;
    await sampler.sampleNow();
    // The process serves 7 more, ends (its last text handed over), and a new one starts and serves 4.
    a.requests += 7;
    const finalText = metricsText(a);
    a.up = false;
    await sampler.sampleNow();
    sampler.ingestFinal([{ replica: 'a', text: finalText }]);
    Object.assign(a, { startTime: 200, requests: 4, up: true });
    await sampler.sampleNow();
    const samples = await sampler.finish({ settleMs: 0 });
    const s = samples.replicas[0]!;
    expect(s.totals.requests).toBe(31);
    expect(s.incarnations.length).toBe(2);
    expect(s.requests.reduce((x, y) => x + y, 0)).toBe(31);
    expect(s.up).toEqual([true, false, false, true]);
    expect(samples.notes).toEqual([]);
  });

  it('takes the final /metrics even when the next process was scraped first', async () => {
    const cluster = new FakeCluster();
    const a = cluster.add('a', 100, 0);
    const sampler = await begun(cluster);
    a.requests = 10;
    const finalText = metricsText({ ...a, requests: 12 });
    Object.assign(a, { startTime: 200, requests: 3 });
    await sampler.sampleNow();
    sampler.ingestFinal([{ replica: 'a', text: finalText }]);
    const samples = await sampler.finish({ settleMs: 0 });
    expect(samples.replicas[0]!.totals.requests).toBe(15);
    expect(samples.notes).toEqual([]);
  });

  it('a restart seen only by its new start time is noted: the last increments are not counted', async () => {
    const cluster = new FakeCluster();
    const a = cluster.add('a', 100, 0);
    const sampler = await begun(cluster);
    a.requests = 10;
    await sampler.sampleNow();
    Object.assign(a, { startTime: 200, requests: 2 });
    await sampler.sampleNow();
    const samples = await sampler.finish({ settleMs: 0 });
    expect(samples.replicas[0]!.totals.requests).toBe(12);
    expect(samples.notes.join('\n')).toMatch(/a restarted without handing over its last \/metrics/);
  });

  it('a counter that went down is a reset even without a start time (Prometheus rate() rule)', async () => {
    const cluster = new FakeCluster();
    const a = cluster.add('a', 0, 100);
    const sampler = await begun(cluster);
    a.requests = 150;
    await sampler.sampleNow();
    a.requests = 20;
    await sampler.sampleNow();
    const samples = await sampler.finish({ settleMs: 0 });
    expect(samples.replicas[0]!.totals.requests).toBe(70);
    expect(samples.replicas[0]!.incarnations.length).toBe(2);
  });

  it('ignores a scrape that was on its way when the process ended (nothing counted twice)', async () => {
    const cluster = new FakeCluster();
    const a = cluster.add('a', 100, 0);
    const sampler = await begun(cluster);
    a.requests = 10;
    // The scrape reads 10, then the process ends with 11 and hands that over before the scrape's answer arrives.
    cluster.duringScrape = () => {
      cluster.duringScrape = undefined;
      sampler.ingestFinal([{ replica: 'a', text: metricsText({ ...a, requests: 11 }) }]);
    };
    await sampler.sampleNow();
    const samples = await sampler.finish({ settleMs: 0 });
    expect(samples.replicas[0]!.totals.requests).toBe(11);
    expect(samples.replicas[0]!.incarnations.length).toBe(1);
  });

  it('a replica added later counts from zero and gets a value in every bucket; a deleted one keeps its counts', async () => {
    const cluster = new FakeCluster();
    const a = cluster.add('a', 100, 40);
    const sampler = await begun(cluster);
    a.requests += 10;
    await sampler.sampleNow();
    const c = cluster.add('c', 300, 0);
    c.requests = 6;
    await sampler.sampleNow();
    c.requests = 9;
    const finalA = metricsText({ ...a, requests: a.requests + 2 });
    cluster.replicas.delete('a');
    sampler.ingestFinal([{ replica: 'a', text: finalA }]);
    await sampler.sampleNow();
    const samples = await sampler.finish({ settleMs: 0 });
    const [sa, sc] = samples.replicas;
    expect(sa!.totals.requests).toBe(12);
    expect(sc!.totals.requests).toBe(9);
    expect(sa!.requests.length).toBe(sc!.requests.length);
    expect(sc!.requests).toEqual([0, 6, 3, 0]);
    // Up only in buckets whose scrapes at both ends answered.
    expect(sc!.up).toEqual([false, false, true, true]);
    expect(sa!.up).toEqual([true, true, false, false]);
    expect(sc!.openConnections[0]).toBeNaN();
  });

  it('notes scrapes that failed while the process kept running, not those of a process that was down', async () => {
    const cluster = new FakeCluster();
    const a = cluster.add('a', 100, 0);
    const sampler = await begun(cluster);
    a.up = false;
    await sampler.sampleNow();
    a.up = true;
    a.requests = 4;
    await sampler.sampleNow();
    const samples = await sampler.finish({ settleMs: 0 });
    expect(samples.replicas[0]!.totals.requests).toBe(4);
    expect(samples.notes).toEqual([expect.stringMatching(/^1 scrapes of a failed while its process kept running \(connect ECONNREFUSED\)/)]);
  });

  it('finish waits until the replicas have counted what the clients saw answered', async () => {
    const cluster = new FakeCluster();
    const a = cluster.add('a', 100, 0);
    const sampler = await begun(cluster);
    a.requests = 5;
    // A WATCH is counted a moment after the client saw it end.
    setTimeout(() => (a.requests = 6), 150);
    const samples = await sampler.finish({ expectedRequests: 6, settleMs: 3000 });
    expect(samples.replicas[0]!.totals.requests).toBe(6);
  });
});
