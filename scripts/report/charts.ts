// Chart specs: what ./assets/charts.js draws with uPlot. Built here, in TypeScript, so the choices (which buckets,
// which scale, what an event marker covers) are made once and can be tested without a browser.
import { isNum } from './html.ts';
import type { ReportMode } from './load.ts';

export interface SeriesSpec {
  label: string;
  colour: string;
  /** One value per x; null is a gap (no data), never drawn as zero. */
  values: (number | null)[];
  dash?: number[];
}

export interface EventMarker {
  /** x of the marker (seconds into the load phase, or unix seconds on the dashboard). */
  at: number;
  label: string;
  /** End of the shaded band: until the change was ready. */
  until?: number;
}

export interface LineChartSpec {
  id: string;
  xLabel: string;
  yLabel: string;
  /** Unit of the legend values. */
  unit?: string;
  xTime?: boolean;
  x: number[];
  series: SeriesSpec[];
  xRange?: [number, number];
  /** Shared top of the y axis (the same for every mode, so the modes compare at a glance). */
  yMax?: number;
  yDecimals?: number;
  events?: EventMarker[];
  showPoints?: boolean;
  height?: number;
}

export type TimelineField = 'requests' | 'openConnections' | 'inflight' | 'tooManyRequests';

/** What one chart draws: the buckets' midpoints and, per replica, a value per bucket. */
export interface ChartData {
  /** Bucket midpoints, seconds into the load phase. */
  x: number[];
  /** Per replica (every replica with data), values per bucket. */
  series: { replica: string; values: (number | null)[] }[];
  /** Set when the last bucket was shorter than half a bucket and is left out. */
  droppedPartialMs?: number;
}

/**
 * The per-bucket values of one timeline field. Counters (requests, 429s) are turned into rates per second; the
 * last bucket, which ends with the load phase and is usually shorter, is divided by its real width, or left out when
 * it is shorter than half a bucket (a few ms of counts would draw a misleading dip). Gauges (open connections,
 * inflight) are drawn as recorded.
 */
export function bucketSeries(mode: ReportMode, field: TimelineField): ChartData | undefined {
  const tl = mode.timeline;
  const bucketMs = isNum(tl.bucketMs) && tl.bucketMs > 0 ? tl.bucketMs : 1000;
  const entries = Object.entries(tl.replicas).filter(([, r]) => r[field].some(isNum));
  if (entries.length === 0) return undefined;
  let n = Math.max(...entries.map(([, r]) => r[field].length));
  const rate = field === 'requests' || field === 'tooManyRequests';
  let droppedPartialMs: number | undefined;
  let lastWidthMs = bucketMs;
  if (isNum(mode.loadPhaseMs)) {
    const width = mode.loadPhaseMs - (n - 1) * bucketMs;
    if (width > 0 && width < bucketMs) lastWidthMs = width;
  }
  if (lastWidthMs < bucketMs / 2 && n > 1) {
    droppedPartialMs = lastWidthMs;
    n -= 1;
  }
  const x = Array.from({ length: n }, (_, i) => (i === n - 1 && !droppedPartialMs ? i * bucketMs + lastWidthMs / 2 : (i + 0.5) * bucketMs) / 1000);
  const series = entries.map(([replica, r]) => ({
    replica,
    values: Array.from({ length: n }, (_, i) => {
      const v = r[field][i];
      if (!isNum(v)) return null;
      if (!rate) return v;
      const width = i === n - 1 && !droppedPartialMs ? lastWidthMs : bucketMs;
      return v / (width / 1000);
    }),
  }));
  return { x, series, ...(droppedPartialMs !== undefined ? { droppedPartialMs } : {}) };
}

export function eventMarkers(mode: ReportMode): EventMarker[] {
  return mode.timeline.events
    .filter((e) => isNum(e.startedAtMs))
    .map((e) => ({
      at: e.startedAtMs / 1000,
      label: e.error ? `${e.name} (failed)` : e.name,
      ...(isNum(e.readyMs) ? { until: (e.startedAtMs + e.readyMs) / 1000 } : {}),
    }));
}

/** The largest finite value over several charts' series (for a shared y axis), with 10 % head room. */
export function sharedMax(charts: (ChartData | undefined)[]): number | undefined {
  let max = 0;
  for (const c of charts) for (const s of c?.series ?? []) for (const v of s.values) if (isNum(v) && v > max) max = v;
  return max > 0 ? niceCeiling(max * 1.1) : undefined;
}

/** A round number at or above x (1, 2, 2.5, 5 times a power of ten). */
export function niceCeiling(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}
