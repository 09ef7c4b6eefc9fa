// Durations in scenario files: "10s", "250ms", "1m30s", "1.5s", or a bare number of milliseconds.
import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

/** Parses a duration to milliseconds; returns undefined when the text is not a duration. */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(trimmed); match; match = PART.exec(trimmed)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed = PART.lastIndex;
  }
  return consumed === trimmed.length ? total : undefined;
}

export function formatDurationMs(ms: number): string {
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A zod schema that accepts "10s"-style strings or numbers (ms) and yields milliseconds. */
export function durationMs(options: { min?: number; max?: number } = {}) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDurationMs(value);
    if (ms === undefined || !Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `not a duration: "${value}" (use e.g. 10s, 250ms, 1m30s)` });
      return z.NEVER;
    }
    if (options.min !== undefined && ms < options.min) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${formatDurationMs(options.min)}` });
      return z.NEVER;
    }
    if (options.max !== undefined && ms > options.max) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${formatDurationMs(options.max)}` });
      return z.NEVER;
    }
    return ms;
  });
}
