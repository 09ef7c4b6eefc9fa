// Loading and validating results files (docs/results.md) for `npm run report`, `npm run compare` and the report
// the scenario command writes. One place decides what a results file is: schema versions 1 and 2 are read, anything
// else is refused with one line that says why (ResultsError, exit code 2 for the CLIs).
//
// Normalisation: JSON writes NaN (a metric with no data) as null; here every null number becomes NaN again, so the
// renderers test Number.isFinite and print "n/a". Fields that version 2 added are optional (a v1 file has none of
// them, and a v2 runner may leave some empty); a missing field stays undefined, which the report shows as "not
// recorded", distinct from a measured zero. The timeline of a v1 file is rebuilt from replicas[].perSecond, which
// holds the same 1 s buckets (docs/results.md).
import fs from 'node:fs';
import { z } from 'zod';
import { EXIT_BAD_INPUT } from '../core/exitCodes.ts';

export const SUPPORTED_SCHEMA_VERSIONS = [1, 2] as const;
export type SchemaVersion = (typeof SUPPORTED_SCHEMA_VERSIONS)[number];

/** Bad input: the message is one line, fit to print as it is. */
export class ResultsError extends Error {
  readonly exitCode = EXIT_BAD_INPUT;
}

/** A number, or null (NaN or ±Infinity after JSON.stringify), read back as NaN. */
const num = z
  .number()
  .nullable()
  .transform((v) => v ?? NaN);
const counts = z.record(z.string(), num);
const str = z.string();

const Latency = z.object({
  count: num,
  p50Ms: num,
  p90Ms: num,
  p99Ms: num,
  p999Ms: num,
  maxMs: num,
  meanMs: num,
});

const Fairness = z.object({
  n: num,
  total: num,
  mean: num,
  maxOverMean: num,
  minOverMean: num,
  cov: num,
  jain: num,
});

const Apf = z.object({
  priorityLevels: z.record(z.string(), z.object({ dispatched: num.default(NaN), rejected: counts.default({}), queueWaitP99Ms: num.default(NaN) })),
});

const Replica = z.object({
  replica: str,
  requests: num,
  share: num,
  requestsPerSecond: num,
  inflightPeak: num.default(NaN),
  tooManyRequests: num.default(NaN),
  byCode: counts.default({}),
  byVerb: counts.default({}),
  p50Ms: num,
  p99Ms: num,
  perSecond: z.array(num).default([]),
  apf: Apf.optional(),
});

const ClientGroup = z.object({
  group: str,
  pods: num,
  profile: str.optional(),
  attempts: num,
  answered: num,
  gatewayResponses: num.default(NaN),
  errors: counts.default({}),
  retries: counts.default({}),
  connectionsOpened: num.default(NaN),
  goawaysReceived: num.default(NaN),
  latency: Latency,
  answeredByCode: counts.default({}),
});

const TimelineEvent = z.object({
  name: str,
  type: str.default(''),
  atMs: num.default(NaN),
  startedAtMs: num,
  appliedMs: num.optional(),
  readyMs: num.optional(),
  detail: str.default(''),
  error: str.optional(),
});

const TimelineReplica = z.object({
  requests: z.array(num).default([]),
  openConnections: z.array(num).default([]),
  inflight: z.array(num).default([]),
  tooManyRequests: z.array(num).default([]),
});

const Timeline = z.object({
  bucketMs: num,
  replicas: z.record(z.string(), TimelineReplica).default({}),
  maxOverMean: z.array(num).default([]),
  events: z.array(TimelineEvent).default([]),
});

/** The shared gateway's accounting (docs/scenarios.md#gateway-accounting); absent in older files and without gateway pods. */
const GatewayAccounting = z.object({
  note: str.default(''),
  pods: z.array(
    z.object({
      pod: str,
      downstreamConnections: z.object({ accepted: num, open: num.default(NaN) }),
      upstreamConnections: num,
      upstreamByControlPlane: counts.default({}),
      upstreamByReplica: counts.default({}),
      requests: num.default(NaN),
      activeRequests: z.object({ now: num, peak: num.default(NaN) }),
      cpuCores: num.default(NaN),
      memoryMiB: num.default(NaN),
    }),
  ),
  replicas: counts.default({}),
  upstreamPerReplicaMax: num.default(NaN),
});

const SelfCheck = z.object({
  components: z
    .array(
      z.object({
        component: str,
        kind: str.default(''),
        loopDelayP99Ms: num.default(NaN),
        loopDelayMaxMs: num.default(NaN),
        cpuMs: num.default(NaN),
        cpuShare: num.default(NaN),
        utilization: num.default(NaN),
      }),
    )
    .default([]),
  clientSendLag: z.object({ p50Ms: num, p99Ms: num, maxMs: num }).optional(),
  machine: z.object({ cpus: num, busyShare: num, processShare: num, othersShare: num }).optional(),
  warnings: z.array(str).default([]),
  clean: z.boolean().optional(),
});

const Mode = z.object({
  mode: str,
  summary: str.default(''),
  seed: num.optional(),
  loadPhaseMs: num,
  replicas: z.array(Replica),
  fairness: Fairness,
  hottestShare: num.optional(),
  perSecondMaxOverMean: num,
  theory: z.object({ heavyShare: num, hotClientMaxOverMean: num, note: str.default('') }),
  clients: z.array(ClientGroup),
  latency: Latency,
  errorRate: num,
  conservation: z.object({ clientAnswered: num, replicaCounted: num, inDoubt: num.default(0), ok: z.boolean() }),
  network: z.record(z.string(), z.unknown()).optional(),
  startupMs: num.optional(),
  // Added in schema version 2 (docs/results.md); absent in v1 files.
  failures: z.object({ byKind: counts.default({}), retried: num.default(NaN), finallyFailed: num.default(NaN) }).optional(),
  rejectedPods: z.array(z.object({ pod: str, group: str.default(''), code: num.default(NaN), message: str.default('') })).optional(),
  gatewayAccounting: GatewayAccounting.optional(),
  neighbours: z
    .array(
      z.object({
        controlPlane: str,
        groups: z.array(str).default([]),
        requests: num,
        fairness: Fairness,
        replicas: z.array(z.object({ replica: str, requests: num, share: num, tooManyRequests: num.default(NaN), p99Ms: num.default(NaN) })),
      }),
    )
    .optional(),
  timeline: Timeline.optional(),
  convergence: z.array(z.object({ event: str, threshold: num, seconds: z.union([num, z.literal('never')]) })).optional(),
  selfCheck: SelfCheck.optional(),
});

const Check = z.object({
  mode: str,
  metric: str,
  actual: z.union([z.number(), z.boolean(), z.string(), z.null()]).transform((v) => (v === null ? NaN : v)),
  expected: str,
  ok: z.boolean(),
  /** Absent in files written before checks had a status: read from ok. */
  status: z.enum(['pass', 'fail', 'inconclusive', 'not-applicable']).optional(),
  reason: z.string().optional(),
});

const Results = z.object({
  schemaVersion: z.union([z.literal(1), z.literal(2)]),
  tool: z.object({ name: str, version: str }),
  scenario: z.object({ name: str, file: str.default(''), description: str.optional(), events: z.array(z.unknown()).optional() }),
  target: str.optional(),
  seed: num,
  startedAt: str,
  finishedAt: str.default(''),
  wallMs: num.default(NaN),
  machine: z.object({ node: str.default(''), platform: str.default(''), cpus: num.default(NaN), cpuModel: str.optional() }),
  parameters: z.record(z.string(), z.unknown()).optional(),
  modes: z.array(Mode),
  checks: z.array(Check).default([]),
});

type ParsedResults = z.output<typeof Results>;
type ParsedMode = ParsedResults['modes'][number];
export type ReportTimeline = z.output<typeof Timeline>;
export type ReportMode = Omit<ParsedMode, 'timeline'> & {
  /** Always present after loading; rebuilt from replicas[].perSecond when the file has none (v1). */
  timeline: ReportTimeline;
  /** Whether the timeline came from the file (v2) or was rebuilt from perSecond (requests only). */
  timelineSource: 'file' | 'perSecond';
};
/** A results file of any supported version, normalised (see the header of this file). */
export type ReportResults = Omit<ParsedResults, 'modes'> & { modes: ReportMode[] };

/** Reads and validates a results file; throws ResultsError with a one-line reason on any bad input. */
export function loadResultsFile(file: string): ReportResults {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory, not a results file' : e.message;
    throw new ResultsError(`${file}: ${why}`);
  }
  return parseResultsText(text, file);
}

export function parseResultsText(text: string, source = 'results'): ReportResults {
  if (text.trim() === '') throw new ResultsError(`${source}: the file is empty, not a results file`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    // V8 says "Unexpected end of JSON input", or names a position: at the very end, the text was cut off.
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    const truncated = /end of JSON input|Unterminated/i.test(message) || (position !== null && Number(position[1]) >= text.trimEnd().length - 1);
    throw new ResultsError(`${source}: not valid JSON (${(error as Error).message})${truncated ? ': the file looks truncated' : ''}`);
  }
  return normalizeResults(value, source);
}

/**
 * Validates a parsed results document (or the runner's in-memory results) and normalises it. In-memory values go
 * through a JSON round trip first, so NaN and Infinity are handled as they are in a file.
 */
export function normalizeResults(value: unknown, source = 'results'): ReportResults {
  let doc: unknown;
  try {
    doc = JSON.parse(JSON.stringify(value ?? null));
  } catch (error) {
    throw new ResultsError(`${source}: cannot be serialised as JSON (${(error as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ResultsError(`${source}: not a results file (expected a JSON object as npm run scenario writes, got ${describeJson(doc)})`);
  }
  const record = doc as Record<string, unknown>;
  if (!('schemaVersion' in record)) {
    throw new ResultsError(`${source}: not a results file (no schemaVersion; expected the JSON that npm run scenario writes, docs/results.md)`);
  }
  const version = record.schemaVersion;
  if (!SUPPORTED_SCHEMA_VERSIONS.includes(version as SchemaVersion)) {
    throw new ResultsError(
      `${source}: results schema version ${JSON.stringify(version)} is not supported (this tool reads versions ${SUPPORTED_SCHEMA_VERSIONS.join(' and ')}; docs/results.md)`,
    );
  }
  const parsed = Results.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problem(s))` : '';
    throw new ResultsError(`${source}: not a valid schema v${String(version)} results file: ${formatPath(issue.path)}: ${issue.message}${more}`);
  }
  if (parsed.data.modes.length === 0) throw new ResultsError(`${source}: the results file has no modes (the run measured nothing)`);
  return { ...parsed.data, modes: parsed.data.modes.map(withTimeline) };
}

function withTimeline(mode: ParsedMode): ReportMode {
  if (mode.timeline && Object.keys(mode.timeline.replicas).length > 0) return { ...mode, timeline: mode.timeline, timelineSource: 'file' };
  const replicas: ReportTimeline['replicas'] = {};
  for (const r of mode.replicas) replicas[r.replica] = { requests: r.perSecond, openConnections: [], inflight: [], tooManyRequests: [] };
  const events = mode.timeline?.events ?? [];
  return {
    ...mode,
    timeline: { bucketMs: mode.timeline?.bucketMs ?? 1000, replicas, maxOverMean: mode.timeline?.maxOverMean ?? [], events },
    timelineSource: 'perSecond',
  };
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
