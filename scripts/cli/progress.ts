// Progress to stderr (docs/report.md#terminal-progress): on a TTY one live status line, rewritten in place, with the
// mode, elapsed and total, the current req/s and the per-replica split; without a TTY (CI logs, pipes) plain
// timestamped lines, live samples at most one every few seconds; --quiet prints nothing. Progress never goes to
// stdout, so `--json` keeps stdout pure JSON.
import type { LiveSample } from '../runner/liveSample.ts';

export interface Progress {
  /** A phase message ("l7: starting the cluster"): always shown (one line each without a TTY). */
  update(message: string): void;
  /** The once-a-second sample of a load phase: the status line on a TTY, a throttled plain line otherwise. */
  sample(live: LiveSample): void;
  /** Clears the status line (call before printing anything else on a TTY). */
  done(): void;
}

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  stream?: ProgressStream;
  /** Clock (ms), for tests. */
  now?: () => number;
  /** Without a TTY: at most one sample line per this many ms (default 5000). */
  plainIntervalMs?: number;
}

export function createProgress(quiet = false, options: ProgressOptions = {}): Progress {
  const stream: ProgressStream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const plainIntervalMs = options.plainIntervalMs ?? 5000;
  const tty = stream.isTTY === true;
  const started = now();
  let last = '';
  let lastPlainSample = -Infinity;
  let lastPlainMode = '';
  const stamp = () => `[${((now() - started) / 1000).toFixed(1).padStart(5)}s]`;
  const width = () => Math.max(40, (stream.columns ?? 100) - 1);
  const status = (line: string) => {
    const fitted = truncate(line, width());
    stream.write(`\r\x1b[2K${fitted}`);
    last = fitted;
  };
  return {
    update(message) {
      if (quiet) return;
      if (tty) status(`${stamp()} ${message}`);
      else stream.write(`${stamp()} ${message}\n`);
    },
    sample(live) {
      if (quiet) return;
      if (tty) {
        status(formatLiveSample(live, { width: width(), bar: true }));
        return;
      }
      const t = now();
      // A new mode prints at once; within a mode, one line per interval.
      if (live.mode === lastPlainMode && t - lastPlainSample < plainIntervalMs) return;
      lastPlainSample = t;
      lastPlainMode = live.mode;
      stream.write(`${stamp()} ${formatLiveSample(live, { width: Infinity, bar: false })}\n`);
    },
    done() {
      if (tty && last) stream.write('\r\x1b[2K');
      last = '';
    },
  };
}

export interface LiveFormatOptions {
  /** Characters available; the line is cut to fit (on a TTY a longer line would wrap and break the rewrite). */
  width?: number;
  /** A progress bar of the load phase. */
  bar?: boolean;
}

/**
 * One status line: `l7  ▕█████░░░░░░░▏  12.0/30.0 s  436 req/s  split kube-apiserver-0 33% 1 34% 2 33%  429s 3  events kill-1`.
 * Replica names lose the prefix they share after the first one, so the split stays readable on a terminal.
 */
export function formatLiveSample(live: LiveSample, options: LiveFormatOptions = {}): string {
  const parts: string[] = [live.mode];
  if (options.bar) parts.push(progressBar(live.elapsedMs, live.totalMs, 12));
  parts.push(`${seconds(live.elapsedMs)}/${seconds(live.totalMs)} s`);
  parts.push(`${rate(live.requestsPerSecond)} req/s`);
  const total = live.replicas.reduce((s, r) => s + (Number.isFinite(r.requestsPerSecond) ? r.requestsPerSecond : 0), 0);
  if (live.replicas.length > 0) {
    const names = shortNames(live.replicas.map((r) => r.replica));
    const split = live.replicas.map(
      (r, i) => `${names[i]} ${total > 0 && Number.isFinite(r.requestsPerSecond) ? `${Math.round((r.requestsPerSecond / total) * 100)}%` : '-'}`,
    );
    parts.push(`split ${split.join(' ')}`);
  }
  const tooMany = live.replicas.reduce((s, r) => s + (Number.isFinite(r.tooManyRequests) ? r.tooManyRequests : 0), 0);
  if (tooMany > 0) parts.push(`429s ${tooMany}`);
  if (live.events.length > 0) parts.push(`events ${live.events.join(',')}`);
  return truncate(parts.join('  '), options.width ?? Infinity);
}

/** ['kube-apiserver-0', 'kube-apiserver-1'] → ['kube-apiserver-0', '1']: the shared prefix (up to a "-") once. */
export function shortNames(names: string[]): string[] {
  if (names.length < 2) return names;
  let prefix = names[0]!;
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cut = prefix.lastIndexOf('-') + 1;
  if (cut <= 0) return names;
  return names.map((n, i) => (i === 0 ? n : n.slice(cut) || n));
}

export function progressBar(elapsedMs: number, totalMs: number, cells: number): string {
  const fraction = totalMs > 0 && Number.isFinite(elapsedMs) ? Math.min(1, Math.max(0, elapsedMs / totalMs)) : 0;
  const full = Math.round(fraction * cells);
  return `▕${'█'.repeat(full)}${'░'.repeat(cells - full)}▏`;
}

function seconds(ms: number): string {
  return Number.isFinite(ms) ? (ms / 1000).toFixed(1) : '?';
}

function rate(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return x >= 100 ? Math.round(x).toString() : x.toFixed(1);
}

function truncate(line: string, width: number): string {
  if (line.length <= width) return line;
  return width > 1 ? `${line.slice(0, width - 1)}…` : line.slice(0, width);
}
