// The value parsers of the commands' flags, defined once so that `--seed`, `--duration` or `--modes` mean the same
// and are refused the same way in every command. Each throws commander's InvalidArgumentError with what is allowed;
// scripts/cli/runCommand.ts turns that into one line and exit 2.
import { InvalidArgumentError } from 'commander';
import { formatDurationMs, parseDurationMs } from '../../scenarios/duration.ts';
import type { ModeName } from '../../scenarios/schema.ts';
import { MODE_NAMES } from '../../scenarios/vocabulary.ts';

/** `--modes direct,l7`: known modes, each once. */
export function parseModes(value: string): ModeName[] {
  const modes = value
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (modes.length === 0) throw new InvalidArgumentError(`give at least one mode (known: ${MODE_NAMES.join(', ')})`);
  for (const mode of modes) {
    if (!(MODE_NAMES as readonly string[]).includes(mode)) throw new InvalidArgumentError(`unknown mode "${mode}" (known: ${MODE_NAMES.join(', ')})`);
  }
  const twice = modes.find((m, i) => modes.indexOf(m) !== i);
  if (twice) throw new InvalidArgumentError(`mode "${twice}" given twice`);
  return modes as ModeName[];
}

/** `--seed N`: the seed range of scenario files (a 32-bit unsigned integer). */
export function parseSeed(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 2 ** 32 - 1) throw new InvalidArgumentError('must be an integer from 0 to 4294967295');
  return n;
}

/** A duration flag ("5s", "1m30s", "250ms") of at least `minMs`. */
export function durationParser(minMs: number): (value: string) => number {
  return (value) => {
    const ms = parseDurationMs(value);
    if (ms === undefined || ms < minMs) throw new InvalidArgumentError(`must be a duration of at least ${formatDurationMs(minMs)}, e.g. 5s, 1m30s, 250ms`);
    return ms;
  };
}

/** An integer flag from `min` to `max`. */
export function integerParser(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** A comma-separated subset of `known`. */
export function listParser<T extends string>(known: readonly T[]): (value: string) => T[] {
  return (value) => {
    const items = value
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    if (items.length === 0) throw new InvalidArgumentError(`give at least one of ${known.join(', ')}`);
    const unknown = items.filter((p) => !(known as readonly string[]).includes(p));
    if (unknown.length > 0) throw new InvalidArgumentError(`unknown: ${unknown.join(', ')} (known: ${known.join(', ')})`);
    return items as T[];
  };
}
