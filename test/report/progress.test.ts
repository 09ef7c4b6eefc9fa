// Terminal progress (scripts/cli/progress.ts): the status line's formatting, the TTY rewrite, plain-line throttling
// without a TTY, and --quiet.
import { describe, expect, it } from 'vitest';
import { createProgress, formatLiveSample, progressBar, shortNames } from '../../scripts/cli/progress.ts';
import type { LiveSample } from '../../scripts/runner/liveSample.ts';

const sample = (over: Partial<LiveSample> = {}): LiveSample => ({
  mode: 'direct',
  elapsedMs: 12_000,
  totalMs: 30_000,
  requestsPerSecond: 436.4,
  replicas: [
    { replica: 'kube-apiserver-0', requestsPerSecond: 6, tooManyRequests: 0 },
    { replica: 'kube-apiserver-1', requestsPerSecond: 421, tooManyRequests: 3 },
    { replica: 'kube-apiserver-2', requestsPerSecond: 9.4, tooManyRequests: 0 },
  ],
  events: [],
  ...over,
});

function fakeStream(isTTY: boolean, columns = 100) {
  const writes: string[] = [];
  let t = 0;
  return {
    writes,
    stream: { isTTY, columns, write: (s: string) => writes.push(s) },
    now: () => t,
    advance: (ms: number) => (t += ms),
  };
}

describe('formatLiveSample', () => {
  it('shows mode, elapsed/total, req/s, the per-replica split, 429s and events', () => {
    expect(formatLiveSample(sample())).toBe('direct  12.0/30.0 s  436 req/s  split kube-apiserver-0 1% 1 96% 2 2%  429s 3');
    expect(formatLiveSample(sample({ events: ['kill-1', 'scale-up'], requestsPerSecond: 12.34 }))).toMatch(/12\.3 req\/s .* events kill-1,scale-up$/);
  });

  it('draws a progress bar of the load phase', () => {
    expect(formatLiveSample(sample(), { bar: true })).toMatch(/^direct {2}▕█████░░░░░░░▏ {2}12\.0\/30\.0 s/);
    expect(progressBar(0, 1000, 4)).toBe('▕░░░░▏');
    expect(progressBar(5000, 1000, 4)).toBe('▕████▏');
    expect(progressBar(10, 0, 4)).toBe('▕░░░░▏');
  });

  it('handles no load, no replicas and missing numbers without NaN', () => {
    const idle = sample({ requestsPerSecond: 0, replicas: sample().replicas.map((r) => ({ ...r, requestsPerSecond: 0, tooManyRequests: 0 })) });
    expect(formatLiveSample(idle)).toBe('direct  12.0/30.0 s  0.0 req/s  split kube-apiserver-0 - 1 - 2 -');
    expect(formatLiveSample(sample({ replicas: [], requestsPerSecond: NaN, totalMs: NaN }))).toBe('direct  12.0/? s  - req/s');
  });

  it('fits the width it is given', () => {
    const line = formatLiveSample(sample(), { width: 30 });
    expect(line).toHaveLength(30);
    expect(line.endsWith('…')).toBe(true);
  });

  it('shortens replica names after the first to what differs', () => {
    expect(shortNames(['kube-apiserver-0', 'kube-apiserver-1', 'kube-apiserver-12'])).toEqual(['kube-apiserver-0', '1', '12']);
    expect(shortNames(['alpha', 'beta'])).toEqual(['alpha', 'beta']);
    expect(shortNames(['only-one'])).toEqual(['only-one']);
  });
});

describe('createProgress', () => {
  it('on a TTY rewrites one status line, cut to the terminal width, and clears it when done', () => {
    const f = fakeStream(true, 60);
    const p = createProgress(false, { stream: f.stream, now: f.now });
    p.update('direct: starting the cluster (local)');
    p.sample(sample());
    p.done();
    expect(f.writes).toHaveLength(3);
    expect(f.writes[0]).toBe('\r\x1b[2K[  0.0s] direct: starting the cluster (local)');
    expect(f.writes[1]!.startsWith('\r\x1b[2Kdirect  ▕')).toBe(true);
    expect(f.writes[1]!.length - '\r\x1b[2K'.length).toBeLessThanOrEqual(59);
    expect(f.writes.every((w) => !w.includes('\n'))).toBe(true);
    expect(f.writes[2]).toBe('\r\x1b[2K');
  });

  it('without a TTY prints plain lines: every phase message, live samples at most one per interval and per new mode', () => {
    const f = fakeStream(false);
    const p = createProgress(false, { stream: f.stream, now: f.now, plainIntervalMs: 5000 });
    p.update('direct: load phase 30 s');
    for (let i = 0; i < 12; i++) {
      p.sample(sample({ elapsedMs: i * 1000 }));
      f.advance(1000);
    }
    p.sample(sample({ mode: 'l7', elapsedMs: 0 }));
    p.done();
    expect(f.writes.every((w) => w.endsWith('\n') && !w.includes('\r') && !w.includes('\x1b'))).toBe(true);
    expect(f.writes[0]).toBe('[  0.0s] direct: load phase 30 s\n');
    const samples = f.writes.slice(1);
    expect(samples.map((w) => /\] (\S+) +(\d+\.\d)\//.exec(w)!.slice(1).join(' '))).toEqual(['direct 0.0', 'direct 5.0', 'direct 10.0', 'l7 0.0']);
    expect(samples[0]).not.toContain('▕');
  });

  it('--quiet prints nothing at all', () => {
    const f = fakeStream(true);
    const p = createProgress(true, { stream: f.stream, now: f.now });
    p.update('x');
    p.sample(sample());
    p.done();
    expect(f.writes).toEqual([]);
  });

  it('writes to stderr by default, never to stdout (so --json keeps stdout pure JSON)', () => {
    const out: string[] = [];
    const err: string[] = [];
    const { stdout, stderr } = process;
    const ow = stdout.write;
    const ew = stderr.write;
    stdout.write = ((s: string) => out.push(s) > 0) as typeof stdout.write;
    stderr.write = ((s: string) => err.push(s) > 0) as typeof stderr.write;
    try {
      const p = createProgress(false);
      p.update('phase');
      p.sample(sample());
      p.done();
    } finally {
      stdout.write = ow;
      stderr.write = ew;
    }
    expect(out).toEqual([]);
    expect(err.join('')).toContain('phase');
  });
});
