// API validation of FlowSchema and PriorityLevelConfiguration objects, rule for rule and message for message as
// kube-apiserver validates them on create and update (kubernetes/kubernetes pkg/apis/flowcontrol/validation/
// validation.go, with AllowZeroLimitedNominalConcurrencyShares = true as the registry strategy sets it since 1.29;
// metadata as apimachinery's ValidateObjectMeta for a cluster-scoped object). Objects are defaulted first
// (defaults.ts), as the apiserver does before validating. Every issue carries a path into the object
// (['spec', 'rules', 0, 'subjects', 1, 'kind']) so a YAML loader can point at file:line:col, and formatIssue()
// renders it the way field.Error prints ("spec.rules[0].subjects[1].kind: Unsupported value: ...").
//
// Simplifications: annotation and label keys/values are not validated; a value of the wrong JSON type is reported
// as an Invalid value here (upstream fails earlier, when decoding the request body).
import { defaultFlowSchema, defaultPriorityLevelConfiguration } from './defaults.ts';
import { mandatoryFlowSchemas, mandatoryPriorityLevels } from './bootstrap.ts';
import { MAX_HASH_BITS, requiredEntropyBits } from './shuffleSharding.ts';
import {
  FLOW_SCHEMA_EXEMPT,
  FLOW_SCHEMA_MAX_MATCHING_PRECEDENCE,
  PRIORITY_LEVEL_EXEMPT,
  type FlowSchema,
  type NonResourcePolicyRule,
  type PolicyRulesWithSubjects,
  type PriorityLevelConfiguration,
  type ResourcePolicyRule,
  type Subject,
} from './types.ts';

export type PathElement = string | number;
export type IssueType = 'Required' | 'Invalid' | 'Forbidden' | 'NotSupported' | 'Duplicate';

export interface ValidationIssue {
  path: PathElement[];
  type: IssueType;
  /** field.Error's Detail. */
  message: string;
  value?: unknown;
}

const TYPE_STRINGS: Record<IssueType, string> = {
  Required: 'Required value',
  Invalid: 'Invalid value',
  Forbidden: 'Forbidden',
  NotSupported: 'Unsupported value',
  Duplicate: 'Duplicate value',
};

export function formatPath(path: readonly PathElement[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s || '<root>';
}

export function formatIssue(issue: ValidationIssue): string {
  let body = TYPE_STRINGS[issue.type];
  if (issue.type === 'Invalid' || issue.type === 'NotSupported' || issue.type === 'Duplicate') {
    body += `: ${JSON.stringify(issue.value)}`;
  }
  if (issue.message) body += `: ${issue.message}`;
  return `${formatPath(issue.path)}: ${body}`;
}

// ---- apimachinery name validation ---------------------------------------------------------------------------

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  let s = `${msg} (e.g. `;
  examples.forEach((e, i) => {
    if (i > 0) s += ' or ';
    s += `'${e}', `;
  });
  return `${s}regex used for validation is '${fmt}')`;
}

/** IsDNS1123Subdomain (NameIsDNSSubdomain, ValidateServiceAccountName). */
export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        'example.com',
      ),
    );
  }
  return errs;
}

/** IsDNS1123Label (ValidateNamespaceName). */
export function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL_RE.test(value)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        DNS1123_LABEL_FMT,
        'my-name',
        '123-abc',
      ),
    );
  }
  return errs;
}

// ---- helpers --------------------------------------------------------------------------------------------------

class Issues {
  readonly list: ValidationIssue[] = [];
  required(path: PathElement[], message: string): void {
    this.list.push({ path, type: 'Required', message });
  }
  invalid(path: PathElement[], value: unknown, message: string): void {
    this.list.push({ path, type: 'Invalid', message, value });
  }
  forbidden(path: PathElement[], message: string): void {
    this.list.push({ path, type: 'Forbidden', message });
  }
  notSupported(path: PathElement[], value: unknown, supported: readonly string[]): void {
    this.list.push({ path, type: 'NotSupported', message: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`, value });
  }
  duplicate(path: PathElement[], value: unknown): void {
    this.list.push({ path, type: 'Duplicate', message: '', value });
  }
  /** A JSON value that is not an integer (decoding would fail upstream). Returns whether it is usable. */
  integer(path: PathElement[], value: unknown): value is number | undefined {
    if (value === undefined) return true;
    if (typeof value === 'number' && Number.isInteger(value)) return true;
    this.invalid(path, value, 'must be an integer');
    return false;
  }
  array<T>(path: PathElement[], value: unknown): T[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value as T[];
    this.invalid(path, value, 'must be a list');
    return [];
  }
  string(path: PathElement[], value: unknown): string {
    if (value === undefined || value === null) return '';
    if (typeof value === 'string') return value;
    this.invalid(path, value, 'must be a string');
    return '';
  }
}

const SUPPORTED_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'proxy', 'update', 'watch'];
const SUPPORTED_DISTINGUISHER_METHODS = ['ByNamespace', 'ByUser'];
const SUPPORTED_SUBJECT_KINDS = ['Group', 'ServiceAccount', 'User'];
const SUPPORTED_PRIORITY_LEVEL_ENABLEMENT = ['Exempt', 'Limited'];
const SUPPORTED_LIMIT_RESPONSE_TYPE = ['Queue', 'Reject'];
const PRIORITY_LEVEL_QUEUING_MAX_QUEUES = 10 * 1000 * 1000;
const NS_ERR_INTRO = "each member of this list must be '*' or a DNS-1123 label; ";

const hasWildcard = (list: readonly unknown[]): boolean => list.includes('*');

function validateObjectMeta(issues: Issues, metadata: unknown): void {
  const meta = (metadata ?? {}) as Record<string, unknown>;
  const name = issues.string(['metadata', 'name'], meta['name']);
  const generateName = issues.string(['metadata', 'generateName'], meta['generateName']);
  if (name === '' && generateName === '') issues.required(['metadata', 'name'], 'name or generateName is required');
  if (name !== '') for (const msg of dns1123SubdomainErrors(name)) issues.invalid(['metadata', 'name'], name, msg);
  const namespace = issues.string(['metadata', 'namespace'], meta['namespace']);
  if (namespace !== '') issues.forbidden(['metadata', 'namespace'], 'not allowed on this type');
}

/** Semantic.DeepEqual after defaulting: absent, null, empty lists and false are Go's zero values. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = normalize((value as Record<string, unknown>)[k]);
      if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  if (value === null || value === false || value === '') return undefined;
  return value;
}

export function semanticallyEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

function validateConditions(issues: Issues, status: unknown): void {
  const conditions = issues.array<Record<string, unknown>>(['status', 'conditions'], (status as Record<string, unknown> | undefined)?.['conditions']);
  const seen = new Set<string>();
  conditions.forEach((c, i) => {
    const type = issues.string(['status', 'conditions', i, 'type'], c?.['type']);
    if (seen.has(type)) issues.duplicate(['status', 'conditions', i, 'type'], type);
    seen.add(type);
    if (type === '') issues.required(['status', 'conditions', i, 'type'], 'must not be empty');
  });
}

// ---- FlowSchema ---------------------------------------------------------------------------------------------------

function validateVerbs(issues: Issues, path: PathElement[], verbs: string[]): void {
  if (verbs.length === 0) issues.required(path, 'verbs must contain at least one value');
  else if (hasWildcard(verbs)) {
    if (verbs.length > 1) issues.invalid(path, verbs, "if '*' is present, must not specify other verbs");
  } else if (!verbs.every((v) => SUPPORTED_VERBS.includes(v))) issues.notSupported(path, verbs, SUPPORTED_VERBS);
}

function validateResourceRule(issues: Issues, path: PathElement[], rule: ResourcePolicyRule): void {
  validateVerbs(issues, [...path, 'verbs'], issues.array<string>([...path, 'verbs'], rule.verbs));
  const apiGroups = issues.array<string>([...path, 'apiGroups'], rule.apiGroups);
  if (apiGroups.length === 0) issues.required([...path, 'apiGroups'], 'resource rules must supply at least one api group');
  else if (apiGroups.length > 1 && hasWildcard(apiGroups))
    issues.invalid([...path, 'apiGroups'], apiGroups, "if '*' is present, must not specify other api groups");
  const resources = issues.array<string>([...path, 'resources'], rule.resources);
  if (resources.length === 0) issues.required([...path, 'resources'], 'resource rules must supply at least one resource');
  else if (resources.length > 1 && hasWildcard(resources))
    issues.invalid([...path, 'resources'], resources, "if '*' is present, must not specify other resources");
  const namespaces = issues.array<string>([...path, 'namespaces'], rule.namespaces);
  if (namespaces.length === 0 && rule.clusterScope !== true) {
    issues.required([...path, 'namespaces'], 'resource rules that are not cluster scoped must supply at least one namespace');
  } else if (hasWildcard(namespaces)) {
    if (namespaces.length > 1) issues.invalid([...path, 'namespaces'], namespaces, "if '*' is present, must not specify other namespaces");
  } else {
    namespaces.forEach((ns, idx) => {
      for (const msg of dns1123LabelErrors(String(ns))) issues.invalid([...path, 'namespaces', idx], ns, NS_ERR_INTRO + msg);
    });
  }
}

/** ValidateNonResourceURLPath. */
export function nonResourceURLPathError(path: string): string | undefined {
  if (path.length === 0) return 'must not be empty';
  if (path === '/') return undefined;
  if (!path.startsWith('/')) return 'must start with slash';
  if (path.includes(' ')) return 'must not contain white-space';
  if (path.includes('//')) return 'must not contain double slash';
  const wildcards = path.split('*').length - 1;
  if (wildcards > 1 || (wildcards === 1 && path.slice(-2) !== '/*')) return 'wildcard can only do suffix matching';
  return undefined;
}

function validateNonResourceRule(issues: Issues, path: PathElement[], rule: NonResourcePolicyRule): void {
  validateVerbs(issues, [...path, 'verbs'], issues.array<string>([...path, 'verbs'], rule.verbs));
  const urls = issues.array<string>([...path, 'nonResourceURLs'], rule.nonResourceURLs);
  if (urls.length === 0) issues.required([...path, 'nonResourceURLs'], 'nonResourceURLs must contain at least one value');
  else if (hasWildcard(urls)) {
    if (urls.length > 1) issues.invalid([...path, 'nonResourceURLs'], urls, "if '*' is present, must not specify other non-resource URLs");
  } else {
    urls.forEach((url, i) => {
      const err = nonResourceURLPathError(String(url));
      if (err) issues.invalid([...path, 'nonResourceURLs', i], url, err);
    });
  }
}

function validateSubject(issues: Issues, path: PathElement[], subject: Subject): void {
  const s = (subject ?? {}) as Subject;
  const forbidOthers = (keep: 'user' | 'group' | 'serviceAccount') => {
    if (keep !== 'serviceAccount' && s.serviceAccount !== undefined)
      issues.forbidden([...path, 'serviceAccount'], "serviceAccount is forbidden when subject kind is not 'ServiceAccount'");
    if (keep !== 'user' && s.user !== undefined) issues.forbidden([...path, 'user'], "user is forbidden when subject kind is not 'User'");
    if (keep !== 'group' && s.group !== undefined) issues.forbidden([...path, 'group'], "group is forbidden when subject kind is not 'Group'");
  };
  switch (s.kind) {
    case 'ServiceAccount': {
      const sa = s.serviceAccount;
      const p = [...path, 'serviceAccount'];
      if (!sa) issues.required(p, "serviceAccount is required when subject kind is 'ServiceAccount'");
      else {
        const name = issues.string([...p, 'name'], sa.name);
        if (name === '') issues.required([...p, 'name'], '');
        else if (name !== '*') for (const msg of dns1123SubdomainErrors(name)) issues.invalid([...p, 'name'], name, msg);
        const ns = issues.string([...p, 'namespace'], sa.namespace);
        if (ns !== '') for (const msg of dns1123LabelErrors(ns)) issues.invalid([...p, 'namespace'], ns, msg);
        else issues.required([...p, 'namespace'], 'must specify namespace for service account');
      }
      // upstream checks user before group for this kind
      if (s.user !== undefined) issues.forbidden([...path, 'user'], "user is forbidden when subject kind is not 'User'");
      if (s.group !== undefined) issues.forbidden([...path, 'group'], "group is forbidden when subject kind is not 'Group'");
      break;
    }
    case 'User':
      if (!s.user) issues.required([...path, 'user'], "user is required when subject kind is 'User'");
      else if (issues.string([...path, 'user', 'name'], s.user.name) === '') issues.required([...path, 'user', 'name'], '');
      forbidOthers('user');
      break;
    case 'Group':
      if (!s.group) issues.required([...path, 'group'], "group is required when subject kind is 'Group'");
      else if (issues.string([...path, 'group', 'name'], s.group.name) === '') issues.required([...path, 'group', 'name'], '');
      forbidOthers('group');
      break;
    default:
      issues.notSupported([...path, 'kind'], s.kind, SUPPORTED_SUBJECT_KINDS);
  }
}

function validatePolicyRulesWithSubjects(issues: Issues, path: PathElement[], rule: PolicyRulesWithSubjects): void {
  const r = (rule ?? {}) as PolicyRulesWithSubjects;
  const subjects = issues.array<Subject>([...path, 'subjects'], r.subjects);
  if (subjects.length > 0) subjects.forEach((s, i) => validateSubject(issues, [...path, 'subjects', i], s));
  else issues.required([...path, 'subjects'], 'subjects must contain at least one value');
  const resourceRules = issues.array<ResourcePolicyRule>([...path, 'resourceRules'], r.resourceRules);
  const nonResourceRules = issues.array<NonResourcePolicyRule>([...path, 'nonResourceRules'], r.nonResourceRules);
  if (resourceRules.length === 0 && nonResourceRules.length === 0) {
    issues.required(path, 'at least one of resourceRules and nonResourceRules has to be non-empty');
  }
  resourceRules.forEach((rr, i) => validateResourceRule(issues, [...path, 'resourceRules', i], (rr ?? {}) as ResourcePolicyRule));
  nonResourceRules.forEach((nr, i) => validateNonResourceRule(issues, [...path, 'nonResourceRules', i], (nr ?? {}) as NonResourcePolicyRule));
}

export function validateFlowSchema(input: FlowSchema): ValidationIssue[] {
  const issues = new Issues();
  const fs = defaultFlowSchema(input);
  validateObjectMeta(issues, fs.metadata);
  const name = typeof fs.metadata?.name === 'string' ? fs.metadata.name : '';
  const spec = (fs.spec ?? {}) as FlowSchema['spec'];
  const precedence = spec.matchingPrecedence;
  if (issues.integer(['spec', 'matchingPrecedence'], precedence) && precedence !== undefined) {
    if (precedence <= 0) issues.invalid(['spec', 'matchingPrecedence'], precedence, 'must be a positive value');
    if (precedence > FLOW_SCHEMA_MAX_MATCHING_PRECEDENCE) {
      issues.invalid(['spec', 'matchingPrecedence'], precedence, `must not be greater than ${FLOW_SCHEMA_MAX_MATCHING_PRECEDENCE}`);
    }
    if (precedence === 1 && name !== FLOW_SCHEMA_EXEMPT) {
      issues.invalid(['spec', 'matchingPrecedence'], precedence, "only the schema named 'exempt' may have matchingPrecedence 1");
    }
  }
  if (spec.distinguisherMethod !== undefined && spec.distinguisherMethod !== null) {
    if (!SUPPORTED_DISTINGUISHER_METHODS.includes(spec.distinguisherMethod.type)) {
      issues.notSupported(['spec', 'distinguisherMethod', 'type'], spec.distinguisherMethod, SUPPORTED_DISTINGUISHER_METHODS);
    }
  }
  const plPath = ['spec', 'priorityLevelConfiguration', 'name'];
  const plName = issues.string(plPath, spec.priorityLevelConfiguration?.name);
  if (plName !== '') for (const msg of dns1123SubdomainErrors(plName)) issues.invalid(plPath, plName, msg);
  else issues.required(plPath, 'must reference a priority level');
  issues
    .array<PolicyRulesWithSubjects>(['spec', 'rules'], spec.rules)
    .forEach((rule, i) => validatePolicyRulesWithSubjects(issues, ['spec', 'rules', i], rule));
  const mandatory = mandatoryFlowSchemas().find((m) => m.metadata.name === name);
  if (mandatory && !semanticallyEqual(fs.spec, mandatory.spec)) {
    issues.invalid(['spec'], fs.spec, `spec of '${name}' must equal the fixed value`);
  }
  validateConditions(issues, fs.status);
  return issues.list;
}

// ---- PriorityLevelConfiguration --------------------------------------------------------------------------------

function validatePercent(issues: Issues, path: PathElement[], value: unknown): void {
  if (issues.integer(path, value) && value !== undefined && !(value >= 0 && value <= 100)) {
    issues.invalid(path, value, 'must be between 0 and 100, inclusive');
  }
}

function validateQueuing(
  issues: Issues,
  path: PathElement[],
  queuing: NonNullable<PriorityLevelConfiguration['spec']['limited']>['limitResponse']['queuing'],
): void {
  const q = queuing ?? {};
  const qll = q.queueLengthLimit ?? 0;
  const queues = q.queues ?? 0;
  const handSize = q.handSize ?? 0;
  const okQll = issues.integer([...path, 'queueLengthLimit'], q.queueLengthLimit);
  const okQueues = issues.integer([...path, 'queues'], q.queues);
  const okHand = issues.integer([...path, 'handSize'], q.handSize);
  if (okQll && qll <= 0) issues.invalid([...path, 'queueLengthLimit'], qll, 'must be positive');
  if (okQueues) {
    if (queues <= 0) issues.invalid([...path, 'queues'], queues, 'must be positive');
    else if (queues > PRIORITY_LEVEL_QUEUING_MAX_QUEUES)
      issues.invalid([...path, 'queues'], queues, `must not be greater than ${PRIORITY_LEVEL_QUEUING_MAX_QUEUES}`);
  }
  if (okHand && okQueues) {
    if (handSize <= 0) issues.invalid([...path, 'handSize'], handSize, 'must be positive');
    else if (handSize > queues) issues.invalid([...path, 'handSize'], handSize, `should not be greater than queues (${queues})`);
    else if (requiredEntropyBits(queues, handSize) > MAX_HASH_BITS) {
      issues.invalid(
        [...path, 'handSize'],
        handSize,
        `required entropy bits of deckSize ${queues} and handSize ${handSize} should not be greater than ${MAX_HASH_BITS}`,
      );
    }
  }
}

export function validatePriorityLevelConfiguration(input: PriorityLevelConfiguration): ValidationIssue[] {
  const issues = new Issues();
  const pl = defaultPriorityLevelConfiguration(input);
  validateObjectMeta(issues, pl.metadata);
  const name = typeof pl.metadata?.name === 'string' ? pl.metadata.name : '';
  const spec = (pl.spec ?? {}) as PriorityLevelConfiguration['spec'];
  if ((name === PRIORITY_LEVEL_EXEMPT) !== (spec.type === 'Exempt')) {
    issues.invalid(['spec', 'type'], spec.type, "type must be 'Exempt' if and only if name is 'exempt'");
  }
  switch (spec.type) {
    case 'Exempt':
      if (spec.limited !== undefined && spec.limited !== null) issues.forbidden(['spec', 'limited'], 'must be nil if the type is not Limited');
      if (spec.exempt) {
        const ncs = spec.exempt.nominalConcurrencyShares;
        if (issues.integer(['spec', 'exempt', 'nominalConcurrencyShares'], ncs) && ncs !== undefined && ncs < 0) {
          issues.invalid(['spec', 'exempt', 'nominalConcurrencyShares'], ncs, 'must be a non-negative integer');
        }
        validatePercent(issues, ['spec', 'exempt', 'lendablePercent'], spec.exempt.lendablePercent);
      }
      break;
    case 'Limited': {
      if (spec.exempt !== undefined && spec.exempt !== null) issues.forbidden(['spec', 'exempt'], 'must be nil if the type is Limited');
      const limited = spec.limited;
      if (!limited) {
        issues.required(['spec', 'limited'], 'must not be empty when type is Limited');
        break;
      }
      const ncs = limited.nominalConcurrencyShares;
      if (issues.integer(['spec', 'limited', 'nominalConcurrencyShares'], ncs) && ncs !== undefined && ncs < 0) {
        issues.invalid(['spec', 'limited', 'nominalConcurrencyShares'], ncs, 'must be a non-negative integer');
      }
      const lr = (limited.limitResponse ?? {}) as NonNullable<typeof limited.limitResponse>;
      const lrPath = ['spec', 'limited', 'limitResponse'];
      switch (lr.type) {
        case 'Reject':
          if (lr.queuing !== undefined && lr.queuing !== null)
            issues.forbidden([...lrPath, 'queuing'], 'must be nil if limited.limitResponse.type is not Limited');
          break;
        case 'Queue':
          if (!lr.queuing) issues.required([...lrPath, 'queuing'], 'must not be empty if limited.limitResponse.type is Limited');
          else validateQueuing(issues, [...lrPath, 'queuing'], lr.queuing);
          break;
        default:
          issues.notSupported([...lrPath, 'type'], lr.type, SUPPORTED_LIMIT_RESPONSE_TYPE);
      }
      validatePercent(issues, ['spec', 'limited', 'lendablePercent'], limited.lendablePercent);
      const blp = limited.borrowingLimitPercent;
      if (issues.integer(['spec', 'limited', 'borrowingLimitPercent'], blp) && blp !== undefined && blp < 0) {
        issues.invalid(['spec', 'limited', 'borrowingLimitPercent'], blp, 'if specified, must be a non-negative integer');
      }
      break;
    }
    default:
      issues.notSupported(['spec', 'type'], spec.type, SUPPORTED_PRIORITY_LEVEL_ENABLEMENT);
  }
  const mandatory = mandatoryPriorityLevels().find((m) => m.metadata.name === name);
  if (mandatory) {
    if (name === PRIORITY_LEVEL_EXEMPT) {
      // Only spec.exempt of the exempt level may be changed by the admin.
      if (!semanticallyEqual({ ...pl.spec, exempt: undefined }, { ...mandatory.spec, exempt: undefined })) {
        issues.invalid(['spec'], pl.spec, `spec of '${name}' except the 'spec.exempt' field must equal the fixed value`);
      }
    } else if (!semanticallyEqual(pl.spec, mandatory.spec)) {
      issues.invalid(['spec'], pl.spec, `spec of '${name}' must equal the fixed value`);
    }
  }
  validateConditions(issues, pl.status);
  return issues.list;
}
