import { describe, expect, it } from 'vitest';
import { parseDurationMs } from '../../scenarios/duration.ts';
import { listScenarioNames, loadScenarioFile, parseScenarioText } from '../../scenarios/loader.ts';
import { issuesOf } from '../helpers/scenarioIssues.ts';

describe('scenario loader', () => {
  it('loads every shipped scenario', () => {
    expect(listScenarioNames()).toContain('hot-client');
    for (const name of listScenarioNames()) {
      const { scenario } = loadScenarioFile(name);
      expect(scenario.name).toBe(name);
    }
  });

  it('fills real-system defaults (client-go QPS 5 / Burst 10, inflight 400/200, LEAST_REQUEST, iptables)', () => {
    const s = parseScenarioText('name: x\nclients:\n  - name: c\n    rate: 1\n', 'x.yaml');
    expect(s.clients[0]).toMatchObject({ qps: 5, burst: 10, profile: 'client-go', maxRetries: 10 });
    expect(s.topology.controlPlane.capacity).toMatchObject({ maxRequestsInflight: 400, maxMutatingRequestsInflight: 200 });
    expect(s.topology.gateway).toMatchObject({ lbPolicy: 'LEAST_REQUEST', choiceCount: 2, maxConcurrentStreams: 100, pods: 2 });
    expect(s.topology.kubeProxy.mode).toBe('iptables');
    expect(s.modes).toEqual(['direct', 'l7', 'passthrough', 'goaway']);
    expect(s.duration).toBe(10_000);
  });

  it('reports a wrong type at the value, with file:line:col and the field path', () => {
    const issues = issuesOf('name: x\nclients:\n  - name: c\n    rate: fast\n');
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ file: 'bad.yaml', line: 4, col: 11, path: 'clients[0].rate' });
  });

  it('reports an unknown field at the key, with a suggestion', () => {
    const issues = issuesOf('name: x\nclients:\n  - name: c\n    rate: 1\n    bursts: 3\n');
    expect(issues[0]).toMatchObject({ line: 5, col: 5, path: 'clients[0].bursts' });
    expect(issues[0]!.message).toMatch(/unknown field "bursts" \(did you mean "burst"\?\)/);
  });

  it('reports a bad enum and an out-of-range flag value (goaway-chance max is 0.02)', () => {
    const issues = issuesOf('name: x\nmodes: [direct, l8]\ntopology:\n  controlPlane:\n    goawayChance: 0.5\nclients:\n  - name: c\n    rate: 1\n');
    expect(issues.map((i) => `${i.line}:${i.col} ${i.path}`)).toEqual(['2:17 modes[1]', '5:19 topology.controlPlane.goawayChance']);
  });

  it('points a missing required field at its parent, and lists all problems at once', () => {
    const issues = issuesOf('name: x\nduration: 10 seconds\nclients:\n  - name: c\n');
    expect(issues.map((i) => i.path).sort()).toEqual(['clients[0].rate', 'duration']);
    expect(issues.find((i) => i.path === 'clients[0].rate')).toMatchObject({ line: 4, col: 5 });
    expect(issues.find((i) => i.path === 'duration')!.message).toMatch(/not a duration/);
  });

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    expect(issuesOf('name: x\nclients: [\n')[0]!.line).toBeGreaterThanOrEqual(2);
    expect(issuesOf('name: x\nname: y\nclients: []\n')[0]).toMatchObject({ line: 2 });
  });

  it('rejects duplicate client names and duplicate modes', () => {
    const issues = issuesOf('name: x\nmodes: [l7, l7]\nclients:\n  - {name: c, rate: 1}\n  - {name: c, rate: 2}\n');
    expect(issues.map((i) => i.path).sort()).toEqual(['clients[1].name', 'modes[1]']);
  });

  it('rejects a client group of an unknown neighbour, and neighbours that clash with another control plane', () => {
    const text = [
      'name: x',
      'topology:',
      '  neighbours:',
      '    - { name: quiet }',
      '    - { name: quiet, namespace: shoot--local--hot }',
      'clients:',
      '  - { name: c, rate: 1, controlPlane: loud }',
      '',
    ].join('\n');
    const issues = issuesOf(text);
    expect(issues.map((i) => `${i.line}:${i.col} ${i.path}`).sort()).toEqual([
      '5:15 topology.neighbours[1].name',
      '5:33 topology.neighbours[1].namespace',
      // Not written in the file (its default follows the name): reported at the neighbour's entry.
      '5:7 topology.neighbours[1].publicHost',
      '7:39 clients[0].controlPlane',
    ]);
    expect(issues.find((i) => i.path === 'clients[0].controlPlane')!.message).toMatch(
      /no neighbour control plane "loud" \(topology.neighbours: quiet, quiet\)/,
    );
    expect(issues.find((i) => i.path === 'topology.neighbours[1].namespace')!.message).toMatch(/already another control plane's/);
  });

  it('names an unknown scenario and lists the known ones', () => {
    expect(() => loadScenarioFile('no-such-scenario')).toThrow(/cannot read scenario file.*known scenarios: .*hot-client/);
  });

  it('parses durations', () => {
    expect(parseDurationMs('10s')).toBe(10_000);
    expect(parseDurationMs('1m30s')).toBe(90_000);
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('10 s')).toBeUndefined();
    expect(parseDurationMs('')).toBeUndefined();
  });
});
