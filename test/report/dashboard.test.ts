// The live dashboard's server (scripts/report/dashboard.ts) without a browser: the numbers it derives from /metrics,
// restarts and failed scrapes, its HTTP surface, and a clean close. browser.test.ts opens its page.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDashboard, type Dashboard } from '../../scripts/report/dashboard.ts';
import { pollUntil } from '../../scripts/core/poll.ts';
import { FakeMetrics } from './fakeMetrics.ts';

let dashboard: Dashboard | undefined;
afterEach(async () => {
  await dashboard?.close();
  dashboard = undefined;
});

const replicasOf = (fake: FakeMetrics) => fake.replicas.map((r) => r.name);
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('dashboard server', () => {
  it('binds 127.0.0.1 and derives req/s, inflight and 429s per replica from /metrics', async () => {
    const fake = new FakeMetrics([
      { name: 'kube-apiserver-0', rate: 50, tooManyShare: 0, inflight: 1 },
      { name: 'kube-apiserver-1', rate: 400, tooManyShare: 0.25, inflight: 30 },
    ]);
    dashboard = await startDashboard({ metrics: fake.endpoints(), intervalMs: 200 });
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const samples = await pollUntil(
      () => dashboard!.samples(),
      (s) => s.length >= 3,
      { timeoutMs: 10_000, what: 'three samples' },
    );
    const last = samples.at(-1)!;
    const hot = last.replicas.find((r) => r.replica === 'kube-apiserver-1')!;
    expect(last.replicas.map((r) => r.replica)).toEqual(replicasOf(fake));
    expect(hot.requestsPerSecond).toBeGreaterThan(250);
    expect(hot.requestsPerSecond).toBeLessThan(550);
    expect(hot.tooManyRequestsPerSecond / hot.requestsPerSecond).toBeGreaterThan(0.15);
    expect(hot.inflight).toBe(30);
    expect(last.replicas[0]!.requestsPerSecond).toBeLessThan(hot.requestsPerSecond / 3);
    expect(samples.map((s) => s.seq)).toEqual(samples.map((_, i) => samples[0]!.seq + i));

    const api: any = await (await fetch(`${dashboard.url}api/samples?after=${samples.at(-2)!.seq}`)).json();
    expect(api.replicas).toEqual(replicasOf(fake));
    expect(api.samples[0].seq).toBe(samples.at(-1)!.seq);
    const page = await fetch(dashboard.url);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('Requests per second per replica');
    expect((await fetch(`${dashboard.url}nope`)).status).toBe(404);
    expect((await fetch(dashboard.url, { method: 'POST' })).status).toBe(405);
  });

  it('a restarted replica (counters back at zero) gives no negative rate; a failed scrape is reported, not fatal', async () => {
    const fake = new FakeMetrics([
      { name: 'kube-apiserver-0', rate: 200, tooManyShare: 0, inflight: 2 },
      { name: 'kube-apiserver-1', rate: 200, tooManyShare: 0, inflight: 2 },
    ]);
    dashboard = await startDashboard({ metrics: fake.endpoints(), intervalMs: 150 });
    await pollUntil(
      () => dashboard!.samples().length,
      (n) => n >= 2,
      { timeoutMs: 10_000, what: 'two samples' },
    );
    fake.restart('kube-apiserver-0');
    fake.replica('kube-apiserver-1').fail = 'connect ECONNREFUSED';
    const seen = dashboard.samples().at(-1)!.seq;
    const after = await pollUntil(
      () => dashboard!.samples().filter((s) => s.seq > seen + 1),
      (s) => s.length >= 2,
      { timeoutMs: 10_000, what: 'samples after the restart' },
    );
    for (const s of after) {
      expect(s.errors).toEqual([{ replica: 'kube-apiserver-1', message: 'connect ECONNREFUSED' }]);
      expect(s.replicas.map((r) => r.replica)).toEqual(['kube-apiserver-0']);
      expect(s.replicas[0]!.requestsPerSecond).toBeGreaterThanOrEqual(0);
    }
    fake.replica('kube-apiserver-1').fail = undefined;
    await pollUntil(
      () => dashboard!.samples().at(-1)!,
      (s) => s.errors.length === 0 && s.replicas.length === 2,
      { timeoutMs: 10_000, what: 'recovery' },
    );
  });

  it('close() stops scraping and leaves no listener behind, even with a keep-alive connection open', async () => {
    const fake = new FakeMetrics([{ name: 'kube-apiserver-0', rate: 10, tooManyShare: 0, inflight: 0 }]);
    const d = await startDashboard({ metrics: fake.endpoints(), intervalMs: 100 });
    await (await fetch(`${d.url}api/samples`)).json(); // leaves a keep-alive socket in fetch's pool
    await pollUntil(
      () => fake.scrapes,
      (n) => n >= 2,
      { timeoutMs: 10_000, what: 'scrapes' },
    );
    await d.close();
    const scrapes = fake.scrapes;
    expect(await refused(d.port)).toBe(true);
    // No timer left: the count stays put over several intervals.
    const later = await pollUntil(
      () => fake.scrapes,
      () => false,
      { timeoutMs: 500, intervalMs: 100 },
    ).catch(() => fake.scrapes);
    expect(later).toBe(scrapes);
    await d.close(); // idempotent
  });

  it('an explicit port that is taken is an error, not a crash', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startDashboard({ metrics: [], port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});
