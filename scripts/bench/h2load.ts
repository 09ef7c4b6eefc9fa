// Running h2load (nghttp2-client) and reading its results: the summary line for counts and the per-request
// --log-file (start µs, status, duration µs) for latency quantiles. Shared by the gateway and webhook benchmarks.
import fs from 'node:fs';
import { execa } from 'execa';
import { findTool, missingToolMessage } from '../tools/externalTools.ts';

export const H2LOAD = findTool('h2load') ?? '/usr/bin/h2load';

export interface H2loadSummary {
  requests: number;
  succeeded: number;
  failed: number;
  /** Successful requests per second of measured time. */
  perSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number };
}

/** One h2load run against `uri` (which gives SNI and :authority), connecting to `connectTo` instead of the URI's host. */
export interface H2loadShape {
  connectTo: string;
  uri: string;
  /** -c: connections. */
  connections: number;
  /** -m: concurrent streams per connection. */
  streams: number;
  /** --rps per connection; undefined: closed loop (as fast as answers come back). */
  ratePerConnection?: number;
  durationSeconds: number;
  warmupSeconds: number;
  headers?: string[];
  logFile: string;
  /** -t: native threads (h2load's default 1). */
  threads?: number;
}

export function h2loadArgs(shape: H2loadShape): string[] {
  return [
    '-t',
    String(shape.threads ?? 1),
    '-c',
    String(shape.connections),
    '-m',
    String(shape.streams),
    ...(shape.ratePerConnection !== undefined ? ['--rps', String(shape.ratePerConnection)] : []),
    '-D',
    String(shape.durationSeconds),
    '--warm-up-time',
    String(shape.warmupSeconds),
    ...(shape.headers ?? []).flatMap((h) => ['-H', h]),
    '--log-file',
    shape.logFile,
    '--connect-to',
    shape.connectTo,
    shape.uri,
  ];
}

export function requireH2load(h2load = H2LOAD): void {
  if (!fs.existsSync(h2load)) throw new Error(missingToolMessage('h2load'));
}

/** Runs h2load with `args` (which must include --log-file <logFile> and -D <seconds>), bounded in time. */
export async function runH2load(args: string[], logFile: string, durationSeconds: number, h2load = H2LOAD): Promise<H2loadSummary> {
  const result = await execa(h2load, args, { reject: false, timeout: (durationSeconds + 40) * 1000 });
  if (result.exitCode !== 0) throw new Error(`h2load failed (exit ${result.exitCode}): ${result.stderr || result.stdout}`);
  return summarizeH2load(String(result.stdout), fs.readFileSync(logFile, 'utf8'), durationSeconds);
}

export function summarizeH2load(stdout: string, logText: string, durationSeconds: number): H2loadSummary {
  const summary = /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed/.exec(stdout);
  if (!summary) throw new Error(`cannot read h2load's summary:\n${stdout}`);
  const durations: number[] = [];
  for (const line of logText.split('\n')) {
    const [, status, micros] = line.split('\t');
    if (status && status.startsWith('2') && micros) durations.push(Number(micros) / 1000);
  }
  if (durations.length === 0) throw new Error(`h2load logged no successful request:\n${stdout}`);
  durations.sort((a, b) => a - b);
  const at = (q: number) => round(durations[Math.min(durations.length - 1, Math.ceil(q * durations.length) - 1)]!);
  const succeeded = Number(summary[3]);
  return {
    requests: Number(summary[1]),
    succeeded,
    failed: Number(summary[4]),
    perSecond: Math.round(succeeded / durationSeconds),
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: round(durations.at(-1)!) },
  };
}

export async function h2loadVersion(h2load = H2LOAD): Promise<string> {
  return String((await execa(h2load, ['--version'], { reject: false })).stdout).trim();
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
