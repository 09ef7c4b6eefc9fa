// API validation (kubernetes pkg/apis/flowcontrol/validation/validation.go) rule by rule, with the path of each
// issue, and the resolution of a whole configuration (dangling references, mandatory objects, duplicates).
import { describe, expect, it } from 'vitest';
import {
  ApfConfigurationError,
  PriorityAndFairness,
  bootstrapConfiguration,
  formatIssue,
  resolveConfiguration,
  validateFlowSchema,
  validatePriorityLevelConfiguration,
  type FlowSchema,
  type PriorityLevelConfiguration,
  type ValidationIssue,
} from '../../../sim/apiserver/apf/index.ts';
import { everyoneTo, queuedLevel } from './helpers.ts';

const clone = <T>(x: T): T => structuredClone(x);
const baseFs = (): FlowSchema => everyoneTo('my-schema', 'workload-low');
const basePl = (): PriorityLevelConfiguration => queuedLevel('my-level', 10, 16, 4, 50);

function only(issues: ValidationIssue[]): ValidationIssue {
  expect(issues, JSON.stringify(issues)).toHaveLength(1);
  return issues[0]!;
}

function fsIssue(mutate: (fs: FlowSchema) => void): ValidationIssue {
  const fs = baseFs();
  mutate(fs);
  return only(validateFlowSchema(fs));
}

function plIssue(mutate: (pl: PriorityLevelConfiguration) => void): ValidationIssue {
  const pl = basePl();
  mutate(pl);
  return only(validatePriorityLevelConfiguration(pl));
}

const rule0 = (fs: FlowSchema) => fs.spec.rules![0]!;

describe('FlowSchema validation', () => {
  it('accepts the bootstrap objects and a plain schema', () => {
    for (const fs of bootstrapConfiguration().flowSchemas) expect(validateFlowSchema(fs), fs.metadata.name).toEqual([]);
    for (const fs of bootstrapConfiguration({ kubernetesMinor: 34 }).flowSchemas) expect(validateFlowSchema(fs)).toEqual([]);
    expect(validateFlowSchema(baseFs())).toEqual([]);
  });

  it('validates metadata', () => {
    expect(fsIssue((fs) => delete fs.metadata.name)).toMatchObject({
      path: ['metadata', 'name'],
      type: 'Required',
      message: 'name or generateName is required',
    });
    const bad = fsIssue((fs) => (fs.metadata.name = 'My_Schema'));
    expect(bad).toMatchObject({ path: ['metadata', 'name'], type: 'Invalid', value: 'My_Schema' });
    expect(bad.message).toContain("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'");
    expect(fsIssue((fs) => (fs.metadata.namespace = 'default'))).toMatchObject({
      path: ['metadata', 'namespace'],
      type: 'Forbidden',
      message: 'not allowed on this type',
    });
  });

  it('bounds matchingPrecedence to 1..10000 (absent or 0 defaults to 1000) and reserves 1 for exempt', () => {
    expect(validateFlowSchema({ ...baseFs(), spec: { ...baseFs().spec, matchingPrecedence: 0 } })).toEqual([]);
    expect(fsIssue((fs) => (fs.spec.matchingPrecedence = -1))).toMatchObject({
      path: ['spec', 'matchingPrecedence'],
      message: 'must be a positive value',
      value: -1,
    });
    expect(fsIssue((fs) => (fs.spec.matchingPrecedence = 10001))).toMatchObject({
      path: ['spec', 'matchingPrecedence'],
      message: 'must not be greater than 10000',
    });
    expect(fsIssue((fs) => (fs.spec.matchingPrecedence = 1))).toMatchObject({ message: "only the schema named 'exempt' may have matchingPrecedence 1" });
    expect(fsIssue((fs) => (fs.spec.matchingPrecedence = 2.5))).toMatchObject({ path: ['spec', 'matchingPrecedence'], message: 'must be an integer' });
  });

  it('checks the distinguisher method and the priority level reference', () => {
    const dm = fsIssue((fs) => (fs.spec.distinguisherMethod = { type: 'ByGroup' as 'ByUser' }));
    expect(dm).toMatchObject({ path: ['spec', 'distinguisherMethod', 'type'], type: 'NotSupported', message: 'supported values: "ByNamespace", "ByUser"' });
    expect(fsIssue((fs) => (fs.spec.priorityLevelConfiguration.name = ''))).toMatchObject({
      path: ['spec', 'priorityLevelConfiguration', 'name'],
      type: 'Required',
      message: 'must reference a priority level',
    });
    expect(fsIssue((fs) => (fs.spec.priorityLevelConfiguration.name = 'Not.Valid'))).toMatchObject({
      path: ['spec', 'priorityLevelConfiguration', 'name'],
      type: 'Invalid',
    });
  });

  it('checks rules and subjects', () => {
    expect(fsIssue((fs) => (rule0(fs).subjects = []))).toMatchObject({
      path: ['spec', 'rules', 0, 'subjects'],
      type: 'Required',
      message: 'subjects must contain at least one value',
    });
    expect(
      fsIssue((fs) => {
        delete rule0(fs).resourceRules;
        delete rule0(fs).nonResourceRules;
      }),
    ).toMatchObject({ path: ['spec', 'rules', 0], type: 'Required', message: 'at least one of resourceRules and nonResourceRules has to be non-empty' });
    expect(fsIssue((fs) => (rule0(fs).subjects = [{ kind: 'Robot' as 'User' }]))).toMatchObject({
      path: ['spec', 'rules', 0, 'subjects', 0, 'kind'],
      type: 'NotSupported',
      message: 'supported values: "Group", "ServiceAccount", "User"',
    });
    expect(fsIssue((fs) => (rule0(fs).subjects = [{ kind: 'User' }]))).toMatchObject({
      path: ['spec', 'rules', 0, 'subjects', 0, 'user'],
      type: 'Required',
      message: "user is required when subject kind is 'User'",
    });
    expect(fsIssue((fs) => (rule0(fs).subjects = [{ kind: 'User', user: { name: 'u' }, group: { name: 'g' } }]))).toMatchObject({
      path: ['spec', 'rules', 0, 'subjects', 0, 'group'],
      type: 'Forbidden',
      message: "group is forbidden when subject kind is not 'Group'",
    });
    expect(fsIssue((fs) => (rule0(fs).subjects = [{ kind: 'Group', group: { name: '' } }]))).toMatchObject({
      path: ['spec', 'rules', 0, 'subjects', 0, 'group', 'name'],
      type: 'Required',
    });
    expect(fsIssue((fs) => (rule0(fs).subjects = [{ kind: 'ServiceAccount', serviceAccount: { name: '*', namespace: '' } }]))).toMatchObject({
      path: ['spec', 'rules', 0, 'subjects', 0, 'serviceAccount', 'namespace'],
      type: 'Required',
      message: 'must specify namespace for service account',
    });
    expect(fsIssue((fs) => (rule0(fs).subjects = [{ kind: 'ServiceAccount', serviceAccount: { name: 'Bad_SA', namespace: 'ns' } }]))).toMatchObject({
      path: ['spec', 'rules', 0, 'subjects', 0, 'serviceAccount', 'name'],
      type: 'Invalid',
    });
  });

  it('checks resource rules', () => {
    const rr = (fs: FlowSchema) => rule0(fs).resourceRules![0]!;
    const p = ['spec', 'rules', 0, 'resourceRules', 0];
    expect(fsIssue((fs) => (rr(fs).verbs = []))).toMatchObject({ path: [...p, 'verbs'], type: 'Required', message: 'verbs must contain at least one value' });
    expect(fsIssue((fs) => (rr(fs).verbs = ['*', 'get']))).toMatchObject({
      path: [...p, 'verbs'],
      type: 'Invalid',
      message: "if '*' is present, must not specify other verbs",
    });
    expect(fsIssue((fs) => (rr(fs).verbs = ['get', 'fly']))).toMatchObject({
      path: [...p, 'verbs'],
      type: 'NotSupported',
      message: 'supported values: "create", "delete", "deletecollection", "get", "list", "patch", "proxy", "update", "watch"',
    });
    expect(fsIssue((fs) => (rr(fs).apiGroups = []))).toMatchObject({
      path: [...p, 'apiGroups'],
      type: 'Required',
      message: 'resource rules must supply at least one api group',
    });
    expect(fsIssue((fs) => (rr(fs).apiGroups = ['*', 'apps']))).toMatchObject({
      path: [...p, 'apiGroups'],
      message: "if '*' is present, must not specify other api groups",
    });
    expect(fsIssue((fs) => (rr(fs).resources = []))).toMatchObject({
      path: [...p, 'resources'],
      type: 'Required',
      message: 'resource rules must supply at least one resource',
    });
    expect(fsIssue((fs) => (rr(fs).resources = ['pods', '*']))).toMatchObject({
      path: [...p, 'resources'],
      message: "if '*' is present, must not specify other resources",
    });
    expect(
      fsIssue((fs) => {
        rr(fs).namespaces = [];
        rr(fs).clusterScope = false;
      }),
    ).toMatchObject({ path: [...p, 'namespaces'], type: 'Required', message: 'resource rules that are not cluster scoped must supply at least one namespace' });
    expect(fsIssue((fs) => (rr(fs).namespaces = ['*', 'x']))).toMatchObject({
      path: [...p, 'namespaces'],
      message: "if '*' is present, must not specify other namespaces",
    });
    const ns = fsIssue((fs) => (rr(fs).namespaces = ['ok', 'Not_OK']));
    expect(ns).toMatchObject({ path: [...p, 'namespaces', 1], type: 'Invalid', value: 'Not_OK' });
    expect(ns.message).toMatch(/^each member of this list must be '\*' or a DNS-1123 label; a lowercase RFC 1123 label/);
    // clusterScope with no namespaces is fine
    expect(
      validateFlowSchema(
        (() => {
          const fs = baseFs();
          rr(fs).namespaces = [];
          return fs;
        })(),
      ),
    ).toEqual([]);
  });

  it('checks non-resource rules and URL paths', () => {
    const p = ['spec', 'rules', 0, 'nonResourceRules', 0];
    const nr = (fs: FlowSchema) => rule0(fs).nonResourceRules![0]!;
    expect(fsIssue((fs) => (nr(fs).nonResourceURLs = []))).toMatchObject({ path: [...p, 'nonResourceURLs'], type: 'Required' });
    expect(fsIssue((fs) => (nr(fs).nonResourceURLs = ['*', '/x']))).toMatchObject({
      path: [...p, 'nonResourceURLs'],
      message: "if '*' is present, must not specify other non-resource URLs",
    });
    const cases: Array<[string, string]> = [
      ['healthz', 'must start with slash'],
      ['/a b', 'must not contain white-space'],
      ['/a//b', 'must not contain double slash'],
      ['/a/*/b', 'wildcard can only do suffix matching'],
      ['/a*', 'wildcard can only do suffix matching'],
      ['', 'must not be empty'],
    ];
    for (const [url, message] of cases) {
      expect(fsIssue((fs) => (nr(fs).nonResourceURLs = ['/ok', url]))).toMatchObject({
        path: [...p, 'nonResourceURLs', 1],
        type: 'Invalid',
        value: url,
        message,
      });
    }
    expect(
      validateFlowSchema(
        (() => {
          const fs = baseFs();
          nr(fs).nonResourceURLs = ['/', '/metrics', '/apis/*'];
          return fs;
        })(),
      ),
    ).toEqual([]);
  });

  it('fixes the spec of the mandatory schemas and checks status conditions', () => {
    const exempt = bootstrapConfiguration().flowSchemas.find((f) => f.metadata.name === 'exempt')!;
    const changed = clone(exempt);
    changed.spec.matchingPrecedence = 2;
    expect(only(validateFlowSchema(changed))).toMatchObject({ path: ['spec'], type: 'Invalid', message: "spec of 'exempt' must equal the fixed value" });
    const catchAll = clone(bootstrapConfiguration().flowSchemas.find((f) => f.metadata.name === 'catch-all')!);
    catchAll.spec.rules![0]!.resourceRules![0]!.clusterScope = false;
    expect(only(validateFlowSchema(catchAll)).message).toBe("spec of 'catch-all' must equal the fixed value");
    expect(fsIssue((fs) => (fs.status = { conditions: [{ type: 'Dangling' }, { type: 'Dangling' }] }))).toMatchObject({
      path: ['status', 'conditions', 1, 'type'],
      type: 'Duplicate',
    });
  });

  it('formats issues like field.Error', () => {
    const issue = fsIssue((fs) => (rule0(fs).subjects = [{ kind: 'Robot' as 'User' }]));
    expect(formatIssue(issue)).toBe('spec.rules[0].subjects[0].kind: Unsupported value: "Robot": supported values: "Group", "ServiceAccount", "User"');
    expect(formatIssue(fsIssue((fs) => (fs.spec.matchingPrecedence = -1)))).toBe('spec.matchingPrecedence: Invalid value: -1: must be a positive value');
  });
});

describe('PriorityLevelConfiguration validation', () => {
  const lim = (pl: PriorityLevelConfiguration) => pl.spec.limited!;
  const queuing = (pl: PriorityLevelConfiguration) => pl.spec.limited!.limitResponse.queuing!;
  const qp = ['spec', 'limited', 'limitResponse', 'queuing'];

  it('accepts the bootstrap objects, zero shares (v1) and defaulted zeros', () => {
    for (const pl of bootstrapConfiguration().priorityLevels) expect(validatePriorityLevelConfiguration(pl), pl.metadata.name).toEqual([]);
    expect(
      validatePriorityLevelConfiguration(
        (() => {
          const pl = basePl();
          lim(pl).nominalConcurrencyShares = 0;
          return pl;
        })(),
      ),
    ).toEqual([]);
    expect(
      validatePriorityLevelConfiguration(
        (() => {
          const pl = basePl();
          lim(pl).limitResponse.queuing = {};
          return pl;
        })(),
      ),
    ).toEqual([]);
  });

  it('ties type Exempt to the name exempt and checks the union', () => {
    const wrongType = basePl();
    wrongType.spec.type = 'Exempt';
    expect(validatePriorityLevelConfiguration(wrongType).map((i) => [i.path.join('.'), i.message])).toEqual([
      ['spec.type', "type must be 'Exempt' if and only if name is 'exempt'"],
      ['spec.limited', 'must be nil if the type is not Limited'],
    ]);
    const bogus = validatePriorityLevelConfiguration({ ...basePl(), spec: { type: 'Bogus' as 'Limited' } });
    expect(bogus.map((i) => [i.path.join('.'), i.type])).toEqual([['spec.type', 'NotSupported']]);
    expect(plIssue((pl) => delete pl.spec.limited)).toMatchObject({
      path: ['spec', 'limited'],
      type: 'Required',
      message: 'must not be empty when type is Limited',
    });
    expect(plIssue((pl) => (pl.spec.exempt = {}))).toMatchObject({
      path: ['spec', 'exempt'],
      type: 'Forbidden',
      message: 'must be nil if the type is Limited',
    });
  });

  it('checks shares and percents', () => {
    expect(plIssue((pl) => (lim(pl).nominalConcurrencyShares = -1))).toMatchObject({
      path: ['spec', 'limited', 'nominalConcurrencyShares'],
      message: 'must be a non-negative integer',
    });
    expect(plIssue((pl) => (lim(pl).lendablePercent = 101))).toMatchObject({
      path: ['spec', 'limited', 'lendablePercent'],
      message: 'must be between 0 and 100, inclusive',
    });
    expect(plIssue((pl) => (lim(pl).lendablePercent = -1))).toMatchObject({ path: ['spec', 'limited', 'lendablePercent'] });
    expect(
      validatePriorityLevelConfiguration(
        (() => {
          const pl = basePl();
          lim(pl).lendablePercent = 100;
          lim(pl).borrowingLimitPercent = 250;
          return pl;
        })(),
      ),
    ).toEqual([]);
    expect(plIssue((pl) => (lim(pl).borrowingLimitPercent = -1))).toMatchObject({
      path: ['spec', 'limited', 'borrowingLimitPercent'],
      message: 'if specified, must be a non-negative integer',
    });
  });

  it('checks the limit response', () => {
    expect(plIssue((pl) => (lim(pl).limitResponse.type = 'Drop' as 'Queue'))).toMatchObject({
      path: ['spec', 'limited', 'limitResponse', 'type'],
      type: 'NotSupported',
      message: 'supported values: "Queue", "Reject"',
    });
    expect(plIssue((pl) => (lim(pl).limitResponse.type = 'Reject'))).toMatchObject({ path: qp, type: 'Forbidden' });
    expect(plIssue((pl) => delete lim(pl).limitResponse.queuing)).toMatchObject({ path: qp, type: 'Required' });
  });

  it('checks queues, hand size (<= queues and the entropy bound) and queue length limit', () => {
    const issuesOf = (mutate: (pl: PriorityLevelConfiguration) => void) => {
      const pl = basePl();
      mutate(pl);
      return validatePriorityLevelConfiguration(pl).map((i) => [i.path.join('.'), i.message]);
    };
    // upstream goes on to compare handSize with the (invalid) queues, so both are reported
    expect(issuesOf((pl) => (queuing(pl).queues = -1))).toEqual([
      [[...qp, 'queues'].join('.'), 'must be positive'],
      [[...qp, 'handSize'].join('.'), 'should not be greater than queues (-1)'],
    ]);
    expect(issuesOf((pl) => (queuing(pl).queues = 10_000_001))).toEqual([
      [[...qp, 'queues'].join('.'), 'must not be greater than 10000000'],
      [[...qp, 'handSize'].join('.'), 'required entropy bits of deckSize 10000001 and handSize 4 should not be greater than 60'],
    ]);
    expect(plIssue((pl) => (queuing(pl).handSize = -2))).toMatchObject({ path: [...qp, 'handSize'], message: 'must be positive' });
    expect(plIssue((pl) => (queuing(pl).handSize = 17))).toMatchObject({ path: [...qp, 'handSize'], message: 'should not be greater than queues (16)' });
    expect(
      plIssue((pl) => {
        queuing(pl).queues = 512;
        queuing(pl).handSize = 8;
      }),
    ).toMatchObject({ path: [...qp, 'handSize'], value: 8, message: 'required entropy bits of deckSize 512 and handSize 8 should not be greater than 60' });
    expect(
      validatePriorityLevelConfiguration(
        (() => {
          const pl = basePl();
          queuing(pl).queues = 1024;
          queuing(pl).handSize = 6;
          return pl;
        })(),
      ),
    ).toEqual([]);
    expect(plIssue((pl) => (queuing(pl).queueLengthLimit = -5))).toMatchObject({ path: [...qp, 'queueLengthLimit'], message: 'must be positive' });
  });

  it('fixes the mandatory levels except exempt.spec.exempt', () => {
    const boot = bootstrapConfiguration().priorityLevels;
    const catchAll = clone(boot.find((p) => p.metadata.name === 'catch-all')!);
    catchAll.spec.limited!.nominalConcurrencyShares = 50;
    expect(only(validatePriorityLevelConfiguration(catchAll))).toMatchObject({ path: ['spec'], message: "spec of 'catch-all' must equal the fixed value" });
    const exempt = clone(boot.find((p) => p.metadata.name === 'exempt')!);
    exempt.spec.exempt = { nominalConcurrencyShares: 10, lendablePercent: 50 };
    expect(validatePriorityLevelConfiguration(exempt)).toEqual([]);
    exempt.spec.exempt.lendablePercent = 150;
    expect(only(validatePriorityLevelConfiguration(exempt))).toMatchObject({ path: ['spec', 'exempt', 'lendablePercent'] });
    const exemptLimited = clone(boot.find((p) => p.metadata.name === 'exempt')!);
    exemptLimited.spec.limited = { limitResponse: { type: 'Reject' } };
    expect(validatePriorityLevelConfiguration(exemptLimited).map((i) => [i.path.join('.'), i.message])).toEqual([
      ['spec.limited', 'must be nil if the type is not Limited'],
      ['spec', "spec of 'exempt' except the 'spec.exempt' field must equal the fixed value"],
    ]);
  });
});

describe('configuration resolution', () => {
  it('ignores a FlowSchema whose priority level is missing, with status Dangling=True', () => {
    const dangling = everyoneTo('to-nowhere', 'no-such-level', 100);
    const r = resolveConfiguration({ flowSchemas: [dangling] });
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({
      severity: 'warning',
      kind: 'FlowSchema',
      name: 'to-nowhere',
      index: 0,
      path: ['spec', 'priorityLevelConfiguration', 'name'],
    });
    expect(r.flowSchemas.map((f) => f.metadata.name)).not.toContain('to-nowhere');
    expect(r.danglingFlowSchemas[0]!.status!.conditions).toEqual([
      expect.objectContaining({
        type: 'Dangling',
        status: 'True',
        reason: 'NotFound',
        message: 'This FlowSchema references the PriorityLevelConfiguration object named "no-such-level" but there is no such object',
      }),
    ]);
    expect(r.flowSchemas.find((f) => f.metadata.name === 'service-accounts')!.status!.conditions![0]).toMatchObject({ status: 'False', reason: 'Found' });
    // the facade accepts it (a warning) and classifies as if it did not exist
    const apf = new PriorityAndFairness({ flowSchemas: [dangling] });
    expect(apf.configurationIssues).toHaveLength(1);
    apf.close();
  });

  it('refuses invalid objects and duplicate names, pointing at the input index', () => {
    const bad = basePl();
    bad.spec.limited!.lendablePercent = 120;
    const r = resolveConfiguration({ priorityLevels: [basePl(), bad], flowSchemas: [baseFs(), baseFs()] });
    const errors = r.issues.filter((i) => i.severity === 'error');
    expect(errors.map((e) => [e.kind, e.index, e.path.join('.')])).toEqual([
      ['PriorityLevelConfiguration', 1, 'spec.limited.lendablePercent'],
      ['FlowSchema', 1, 'metadata.name'],
    ]);
    expect(() => new PriorityAndFairness({ priorityLevels: [bad] })).toThrow(ApfConfigurationError);
  });

  it('applies objects over the bootstrap by name, or adds only the mandatory ones to an empty base', () => {
    const tweaked = queuedLevel('workload-low', 200, 128, 6, 50);
    const r = resolveConfiguration({ priorityLevels: [tweaked] });
    expect(r.priorityLevels).toHaveLength(8);
    const wl = r.priorityLevels.find((p) => p.metadata.name === 'workload-low')!;
    expect(wl.spec.limited!.nominalConcurrencyShares).toBe(200);
    expect(wl.metadata.annotations!['apf.kubernetes.io/autoupdate-spec']).toBe('false');
    expect(wl.metadata.uid).toBeTruthy();

    const empty = resolveConfiguration({ base: 'empty', priorityLevels: [basePl()], flowSchemas: [everyoneTo('mine', 'my-level')] });
    expect(empty.priorityLevels.map((p) => p.metadata.name).sort()).toEqual(['catch-all', 'exempt', 'my-level']);
    expect(empty.flowSchemas.map((f) => f.metadata.name)).toEqual(['exempt', 'mine', 'catch-all']);
    expect(
      empty.issues
        .filter((i) => i.severity === 'warning')
        .map((i) => i.name)
        .sort(),
    ).toEqual(['catch-all', 'catch-all', 'exempt', 'exempt']);
    expect(empty.issues.every((i) => i.severity === 'warning')).toBe(true);
  });
});
