// Loads a scenario file: YAML with positions, validated by the zod schema; every problem is reported as
// `file:line:col: field.path: message`, all at once, so a user fixes a file in one go.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isNode, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { Scenario } from './schema.ts';

export const SCENARIO_DIR = path.dirname(fileURLToPath(import.meta.url));

export interface ScenarioIssue {
  file: string;
  line: number;
  col: number;
  path: string;
  message: string;
}

export class ScenarioError extends Error {
  constructor(readonly issues: ScenarioIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ScenarioError';
  }
}

export function formatIssue(issue: ScenarioIssue): string {
  return `${issue.file}:${issue.line}:${issue.col}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

export interface LoadedScenario {
  file: string;
  scenario: Scenario;
}

/** `hot-client` → scenarios/hot-client.yaml; anything with a slash or a .yaml/.yml suffix is a path. */
export function resolveScenarioPath(nameOrPath: string): string {
  if (nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath)) return path.resolve(nameOrPath);
  return path.join(SCENARIO_DIR, `${nameOrPath}.yaml`);
}

export function listScenarioNames(): string[] {
  return fs
    .readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

export function loadScenarioFile(nameOrPath: string): LoadedScenario {
  const file = resolveScenarioPath(nameOrPath);
  const display = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const known = listScenarioNames().join(', ');
    throw new ScenarioError([
      {
        file: display,
        line: 1,
        col: 1,
        path: '',
        message: `cannot read scenario file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); known scenarios: ${known}`,
      },
    ]);
  }
  return { file, scenario: parseScenarioText(text, display) };
}

export function parseScenarioText(text: string, file: string): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlIssues: ScenarioIssue[] = doc.errors.map((error) => {
    const pos = lineCounter.linePos(error.pos[0]);
    return { file, line: pos.line, col: pos.col, path: '', message: error.message.split('\n')[0]! };
  });
  if (yamlIssues.length > 0) throw new ScenarioError(yamlIssues);

  const data = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ScenarioError([{ file, line: 1, col: 1, path: '', message: 'a scenario file must be a YAML mapping (name:, clients:, ...)' }]);
  }
  const result = Scenario.safeParse(data);
  const issues: Problem[] = result.success ? feasibility(result.data) : result.error.issues.map((issue) => ({ path: issue.path, issue }));
  if (result.success && issues.length === 0) return result.data;
  const located = issues.flatMap(({ path, issue, message }) =>
    issue ? issuesAt(issue, doc, lineCounter, file) : [at(path, message!, doc, lineCounter, file)],
  );
  throw new ScenarioError(located.sort((a, b) => a.line - b.line || a.col - b.col));
}

/**
 * Client pods one core of this machine can simulate with the self-check clean (measured: docs/performance.md#scale:
 * on 2 cores 1,000 pods ran clean at 500 req/s, 2,000 pods at no rate of the ladder). A scenario asking for more is
 * refused before anything starts; the kind target has no such limit.
 */
export const CLIENT_PODS_PER_CORE = 500;

/** A schema issue, or a message about a path. */
type Problem = { path: PropertyKey[]; issue?: z.core.$ZodIssue; message?: string };

/** What a valid scenario still cannot do on this machine. */
function feasibility(scenario: Scenario): Problem[] {
  const pods = scenario.clients.reduce((sum, g) => sum + g.count, 0);
  const limit = CLIENT_PODS_PER_CORE * os.cpus().length;
  if (pods <= limit) return [];
  return [
    {
      path: ['clients'],
      message: `${pods} client pods is more than this machine simulates (${CLIENT_PODS_PER_CORE} per core, ${os.cpus().length} cores: ${limit}); use fewer pods, or the kind target`,
    },
  ];
}

function at(path: PropertyKey[], message: string, doc: Document, lineCounter: LineCounter, file: string): ScenarioIssue {
  const base = path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  const pos = lineCounter.linePos(nodeOffset(doc, base));
  return { file, line: pos.line, col: pos.col, path: formatPath(base), message };
}

function issuesAt(issue: z.core.$ZodIssue, doc: Document, lineCounter: LineCounter, file: string): ScenarioIssue[] {
  const base = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  // Unknown keys: point at each offending key, which is what a user has to delete or fix.
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => {
      const offset = keyOffset(doc, base, key) ?? nodeOffset(doc, base);
      const pos = lineCounter.linePos(offset);
      return { file, line: pos.line, col: pos.col, path: formatPath([...base, key]), message: `unknown field "${key}"${suggestion(key, base)}` };
    });
  }
  const pos = lineCounter.linePos(nodeOffset(doc, base));
  return [{ file, line: pos.line, col: pos.col, path: formatPath(base), message: issue.message }];
}

/** Offset of the deepest node that exists along the path (a missing field points at its parent). */
function nodeOffset(doc: Document, path: (string | number)[]): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}

function keyOffset(doc: Document, path: (string | number)[], key: string): number | undefined {
  const parent = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => isNode(item.key) && (item.key as Node & { value?: unknown }).value === key);
  return pair && isNode(pair.key) ? pair.key.range?.[0] : undefined;
}

/** "did you mean" for unknown keys: the closest known sibling by edit distance. */
function suggestion(key: string, path: (string | number)[]): string {
  const known = knownKeysAt(path);
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best ? ` (did you mean "${best}"?)` : '';
}

function knownKeysAt(path: (string | number)[]): string[] {
  let schema: unknown = Scenario;
  for (const part of path) {
    schema = unwrap(schema);
    const def = (schema as { def?: { type?: string; shape?: Record<string, unknown>; element?: unknown; valueType?: unknown } }).def;
    if (!def) return [];
    if (typeof part === 'number' && def.type === 'array') schema = def.element;
    else if (def.type === 'object' && def.shape && typeof part === 'string') schema = def.shape[part];
    else if (def.type === 'record') schema = def.valueType;
    else return [];
  }
  const def = (unwrap(schema) as { def?: { type?: string; shape?: Record<string, unknown> } }).def;
  return def?.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

function unwrap(schema: unknown): unknown {
  let current = schema as { def?: { type?: string; innerType?: unknown; in?: unknown; schema?: unknown } } | undefined;
  for (let i = 0; i < 10 && current?.def; i++) {
    const def = current.def;
    if (def.type === 'default' || def.type === 'prefault' || def.type === 'optional' || def.type === 'nullable') current = def.innerType as typeof current;
    else if (def.type === 'pipe') current = def.in as typeof current;
    else break;
  }
  return current;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
