// Label and field selectors as in k8s.io/apimachinery/pkg/labels (selector.go) and pkg/fields: comma-separated
// requirements `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`. Field selectors support
// metadata.name and metadata.namespace with =, == and !=.
import { StatusError, statuses } from './status.ts';
import type { KubeObject } from '../../scripts/core/kubeObject.ts';

type Requirement = { key: string; op: 'in' | 'notin'; values: string[] } | { key: string; op: 'exists' | 'notexists' };

export type Selector = (labels: Record<string, string> | undefined) => boolean;

export function parseLabelSelector(text: string | null | undefined): Selector {
  if (!text || text.trim() === '') return () => true;
  const requirements = splitRequirements(text).map(parseRequirement);
  return (labels) => requirements.every((r) => matches(r, labels ?? {}));
}

function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += c;
  }
  parts.push(current.trim());
  return parts.filter((p) => p !== '');
}

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;

function parseRequirement(text: string): Requirement {
  let m = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (m)
    return {
      key: checkKey(m[1]!),
      op: m[2] as 'in' | 'notin',
      values: m[3]!
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== ''),
    };
  m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(text);
  if (m) return { key: checkKey(m[1]!), op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]!] };
  m = /^!\s*(\S+)$/.exec(text);
  if (m) return { key: checkKey(m[1]!), op: 'notexists' };
  if (KEY.test(text)) return { key: text, op: 'exists' };
  throw new StatusError(statuses.badRequest(`unable to parse requirement: ${text}`));
}

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new StatusError(statuses.badRequest(`unable to parse requirement: invalid label key "${key}"`));
  return key;
}

function matches(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.op) {
    case 'exists':
      return has;
    case 'notexists':
      return !has;
    case 'in':
      return has && r.values.includes(labels[r.key]!);
    case 'notin':
      return !has || !r.values.includes(labels[r.key]!);
  }
}

export type FieldSelector = (object: KubeObject) => boolean;

export function parseFieldSelector(text: string | null | undefined): FieldSelector {
  if (!text || text.trim() === '') return () => true;
  const tests = text.split(',').map((part) => {
    const m = /^\s*([^!=\s]+)\s*(==|=|!=)\s*(\S*)\s*$/.exec(part);
    if (!m) throw new StatusError(statuses.badRequest(`invalid selector: '${text}'; can't understand '${part}'`));
    const [, field, op, value] = m;
    const get = fieldGetter(field!);
    return (object: KubeObject) => (op === '!=' ? get(object) !== value : get(object) === value);
  });
  return (object) => tests.every((t) => t(object));
}

function fieldGetter(field: string): (object: KubeObject) => string {
  switch (field) {
    case 'metadata.name':
      return (o) => o.metadata.name ?? '';
    case 'metadata.namespace':
      return (o) => o.metadata.namespace ?? '';
    default:
      throw new StatusError(statuses.badRequest(`field label not supported: ${field}`));
  }
}
