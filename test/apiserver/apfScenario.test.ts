// A scenario's API Priority and Fairness block (topology.controlPlane.apf): defaults, overrides that load, and bad
// FlowSchema / PriorityLevelConfiguration objects reported as the real API validation reports them, each at
// file:line:col with its path into the scenario, before anything starts.
import { describe, expect, it } from 'vitest';
import { loadScenarioFile, parseScenarioText, ScenarioError, type ScenarioIssue } from '../../scenarios/loader.ts';

const HEAD = 'name: x\nclients:\n  - name: c\n    rate: 1\ntopology:\n  controlPlane:\n    apf:\n';

function issuesOf(apfBlock: string): ScenarioIssue[] {
  try {
    parseScenarioText(HEAD + apfBlock, 'bad.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return (error as ScenarioError).issues;
  }
  throw new Error('expected a ScenarioError');
}

const GOOD_LEVEL = `      priorityLevels:
        - metadata: { name: heavy }
          spec:
            type: Limited
            limited:
              nominalConcurrencyShares: 20
              limitResponse: { type: Queue, queuing: { queues: 16, handSize: 4, queueLengthLimit: 50 } }
`;

describe('scenario APF settings', () => {
  it('defaults to APF on with the bootstrap configuration', () => {
    const s = parseScenarioText('name: x\nclients:\n  - name: c\n    rate: 1\n', 'x.yaml');
    expect(s.topology.controlPlane.apf).toEqual({ enabled: true, flowSchemas: [], priorityLevels: [] });
  });

  it('accepts a level of its own and a FlowSchema that sends a service account there', () => {
    const s = parseScenarioText(
      HEAD +
        GOOD_LEVEL +
        `      flowSchemas:
        - apiVersion: flowcontrol.apiserver.k8s.io/v1
          kind: FlowSchema
          metadata: { name: heavy }
          spec:
            priorityLevelConfiguration: { name: heavy }
            matchingPrecedence: 50
            distinguisherMethod: { type: ByUser }
            rules:
              - subjects: [{ kind: ServiceAccount, serviceAccount: { namespace: kube-system, name: heavy-controller } }]
                resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'], clusterScope: true }]
`,
      'x.yaml',
    );
    expect(s.topology.controlPlane.apf.flowSchemas).toHaveLength(1);
    expect(s.topology.controlPlane.apf.priorityLevels).toHaveLength(1);
  });

  it('accepts an override of a suggested level by name, and enabled: false', () => {
    const s = parseScenarioText(
      HEAD +
        `      enabled: false
      priorityLevels:
        - metadata: { name: workload-low }
          spec: { type: Limited, limited: { nominalConcurrencyShares: 10, limitResponse: { type: Reject } } }
`,
      'x.yaml',
    );
    expect(s.topology.controlPlane.apf.enabled).toBe(false);
  });

  it('reports each validation error at its field, with the real message', () => {
    const issues = issuesOf(`      flowSchemas:
        - metadata: { name: Bad_Name }
          spec:
            priorityLevelConfiguration: { name: workload-low }
            matchingPrecedence: -5
            distinguisherMethod: { type: ByGroup }
            rules:
              - subjects: [{ kind: Robot }]
                resourceRules: [{ verbs: [get, fly], apiGroups: [''], resources: [pods] }]
`);
    const at = (path: string) => issues.find((i) => i.path === `topology.controlPlane.apf.flowSchemas[0].${path}`);
    expect(at('metadata.name')).toMatchObject({ file: 'bad.yaml', line: 9, col: 29 });
    expect(at('metadata.name')!.message).toMatch(/^Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
    expect(at('spec.matchingPrecedence')).toMatchObject({ line: 12, col: 33, message: 'Invalid value: -5: must be a positive value' });
    expect(at('spec.distinguisherMethod.type')!.message).toMatch(/^Unsupported value: .*supported values: "ByNamespace", "ByUser"$/);
    expect(at('spec.rules[0].subjects[0].kind')!.message).toMatch(/^Unsupported value: "Robot": supported values: "Group", "ServiceAccount", "User"$/);
    expect(at('spec.rules[0].resourceRules[0].verbs')!.message).toMatch(/^Unsupported value: \["get","fly"\]/);
    // The rule names neither cluster scope nor namespaces.
    expect(at('spec.rules[0].resourceRules[0].namespaces')!.message).toMatch(/^Required value/);
    // Sorted by position in the file.
    expect(issues.map((i) => i.line)).toEqual([...issues.map((i) => i.line)].sort((a, b) => a - b));
  });

  it('reports bad priority levels: mandatory specs are fixed, queuing needs entropy, percentages are bounded', () => {
    const issues = issuesOf(`      priorityLevels:
        - metadata: { name: catch-all }
          spec: { type: Limited, limited: { nominalConcurrencyShares: 50, limitResponse: { type: Reject } } }
        - metadata: { name: huge }
          spec:
            type: Limited
            limited:
              lendablePercent: 101
              limitResponse: { type: Queue, queuing: { queues: 10000000, handSize: 10 } }
        - metadata: { name: exempt2 }
          spec: { type: Exempt }
`);
    const paths = issues.map((i) => i.path.replace('topology.controlPlane.apf.', ''));
    expect(paths).toEqual([
      'priorityLevels[0].spec',
      'priorityLevels[1].spec.limited.lendablePercent',
      'priorityLevels[1].spec.limited.limitResponse.queuing.handSize',
      'priorityLevels[2].spec.type',
    ]);
    expect(issues[0]!.message).toMatch(/spec of 'catch-all' must equal the fixed value/);
    expect(issues[1]!.message).toMatch(/must be between 0 and 100, inclusive/);
    expect(issues[2]!.message).toMatch(/required entropy bits/);
    expect(issues[3]!.message).toMatch(/type must be 'Exempt' if and only if name is 'exempt'/);
  });

  it('refuses a FlowSchema whose priority level does not exist, a duplicate name, and a wrong apiVersion or kind', () => {
    const dangling = issuesOf(`      flowSchemas:
        - metadata: { name: mine }
          spec:
            priorityLevelConfiguration: { name: workload-lo }
            rules: [{ subjects: [{ kind: Group, group: { name: x } }], nonResourceRules: [{ verbs: [get], nonResourceURLs: ['/x'] }] }]
`);
    expect(dangling).toHaveLength(1);
    expect(dangling[0]).toMatchObject({ path: 'topology.controlPlane.apf.flowSchemas[0].spec.priorityLevelConfiguration.name', line: 11, col: 49 });
    expect(dangling[0]!.message).toMatch(/references the PriorityLevelConfiguration object named "workload-lo" but there is no such object/);

    const duplicate = issuesOf(GOOD_LEVEL + GOOD_LEVEL.replace('      priorityLevels:\n', ''));
    expect(duplicate).toMatchObject([{ path: 'topology.controlPlane.apf.priorityLevels[1].metadata.name', message: 'Duplicate value: "heavy"' }]);

    const typed = issuesOf(`      priorityLevels:
        - apiVersion: flowcontrol.apiserver.k8s.io/v1beta3
          kind: FlowSchema
          metadata: { name: x }
          spec: { type: Limited, limited: { limitResponse: { type: Reject } } }
`);
    expect(typed.map((i) => i.path)).toEqual(['topology.controlPlane.apf.priorityLevels[0].apiVersion', 'topology.controlPlane.apf.priorityLevels[0].kind']);
  });

  it('survives garbage where objects are expected', () => {
    const issues = issuesOf(`      flowSchemas:
        - { metadata: 3, spec: [1, 2] }
        - {}
      priorityLevels:
        - { spec: { type: Limited, limited: { nominalConcurrencyShares: -1, limitResponse: 7 } } }
`);
    expect(issues.length).toBeGreaterThanOrEqual(4);
    expect(issues.every((i) => i.path.startsWith('topology.controlPlane.apf.') && i.line > 0)).toBe(true);
  });

  it('loads the shipped APF scenarios', () => {
    for (const name of ['overload', 'noisy-neighbour']) {
      const { scenario } = loadScenarioFile(name);
      expect(scenario.topology.controlPlane.apf.enabled).toBe(true);
      expect(scenario.duration).toBeLessThanOrEqual(10_000);
    }
  });
});
