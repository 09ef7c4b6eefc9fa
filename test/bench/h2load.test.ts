// h2load's command line and the reading of its output (scripts/bench/h2load.ts): pure functions, no h2load needed.
import { describe, expect, it } from 'vitest';
import { h2loadArgs, summarizeH2load } from '../../scripts/bench/h2load.ts';
import { benchGetShape, BENCH_HOST, OBJECT_PATH } from '../../scripts/bench/testbed.ts';

const STDOUT = `finished in 5.00s, 1000.00 req/s, 1.2MB/s
requests: 5000 total, 5000 started, 5000 done, 4990 succeeded, 10 failed, 0 errored, 0 timeout
status codes: 4990 2xx, 0 3xx, 10 4xx, 0 5xx`;

describe('h2loadArgs', () => {
  it('a fixed rate: --rps per connection, headers, log file, --connect-to before the URI', () => {
    const args = h2loadArgs({
      connectTo: '127.1.2.1:9443',
      uri: 'https://api.example/x',
      connections: 4,
      streams: 16,
      ratePerConnection: 625,
      durationSeconds: 5,
      warmupSeconds: 1,
      headers: ['authorization: Bearer t'],
      logFile: '/tmp/l.tsv',
    });
    expect(args).toEqual([
      '-t',
      '1',
      '-c',
      '4',
      '-m',
      '16',
      '--rps',
      '625',
      '-D',
      '5',
      '--warm-up-time',
      '1',
      '-H',
      'authorization: Bearer t',
      '--log-file',
      '/tmp/l.tsv',
      '--connect-to',
      '127.1.2.1:9443',
      'https://api.example/x',
    ]);
  });

  it('closed loop has no --rps; threads default to 1', () => {
    const args = h2loadArgs({ connectTo: 'a:1', uri: 'https://h/', connections: 1, streams: 100, durationSeconds: 3, warmupSeconds: 0, logFile: 'f' });
    expect(args).not.toContain('--rps');
    expect(args.slice(0, 6)).toEqual(['-t', '1', '-c', '1', '-m', '100']);
  });

  it("the bench's standard shape: 4 connections, the rate split over them, 32 streams when saturating", () => {
    const fixed = benchGetShape('127.0.0.1:9443', 2500, { durationSeconds: 5, warmupSeconds: 1, logFile: 'f' });
    expect(fixed).toMatchObject({ connections: 4, streams: 16, ratePerConnection: 625, uri: `https://${BENCH_HOST}${OBJECT_PATH}` });
    const saturated = benchGetShape('127.0.0.1:9443', 'saturation', { durationSeconds: 5, warmupSeconds: 1, logFile: 'f' });
    expect(saturated).toMatchObject({ connections: 4, streams: 32, ratePerConnection: undefined });
  });
});

describe('summarizeH2load', () => {
  it('counts from the summary line, quantiles of the successful requests from the log', () => {
    // start µs, status, duration µs: 100 successes of 1..100 ms and a 404 that must not count.
    const log = [...Array.from({ length: 100 }, (_, i) => `0\t200\t${(i + 1) * 1000}`), '0\t404\t999000', ''].join('\n');
    const s = summarizeH2load(STDOUT, log, 5);
    expect(s).toMatchObject({ requests: 5000, succeeded: 4990, failed: 10, perSecond: 998 });
    expect(s.latencyMs).toEqual({ p50: 50, p90: 90, p99: 99, p999: 100, max: 100 });
  });

  it('refuses output it cannot read', () => {
    expect(() => summarizeH2load('nothing', '0\t200\t1000', 1)).toThrow(/summary/);
    expect(() => summarizeH2load(STDOUT, '0\t500\t1000', 1)).toThrow(/no successful request/);
  });
});
