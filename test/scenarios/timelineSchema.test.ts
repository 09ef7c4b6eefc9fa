// Bad scenario input is a schema error with file:line:col before anything starts (scenarios/events.ts,
// scenarios/schema.ts, scenarios/loader.ts): unknown events, events outside the load phase, overlapping restarts,
// absurd values, unknown modes and metrics, more client pods than this machine simulates.
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { CLIENT_PODS_PER_CORE, parseScenarioText, ScenarioError, type ScenarioIssue } from '../../scenarios/loader.ts';

const HEAD = 'name: t\nduration: 10s\nclients:\n  - { name: ctl, rate: 1 }\n  - { name: later, rate: 1, startStopped: true }\n';

function issuesOf(text: string): ScenarioIssue[] {
  try {
    parseScenarioText(text, 't.yaml');
  } catch (error) {
    if (error instanceof ScenarioError) return error.issues;
    throw error;
  }
  throw new Error('the scenario was accepted');
}

const where = (issues: ScenarioIssue[]) => issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);

describe('timeline events in the schema', () => {
  it('accepts a timeline that fits the scenario', () => {
    const s = parseScenarioText(
      `${HEAD}events:\n  - { at: 1s, type: kill-apiserver, replica: 0, downFor: 1s }\n  - { at: 2s, type: scale-apiservers, replicas: 4 }\n  - { at: 3s, type: restart-apiserver, replica: 3 }\n  - { at: 4s, type: start-clients, group: later }\n`,
      't.yaml',
    );
    expect(s.events.map((e) => e.type)).toEqual(['kill-apiserver', 'scale-apiservers', 'restart-apiserver', 'start-clients']);
  });

  it('an unknown event type points at the event', () => {
    const issues = issuesOf(`${HEAD}events:\n  - { at: 1s, type: reboot-everything }\n`);
    expect(where(issues)).toEqual([expect.stringMatching(/^7:21 events\[0\]\.type: Invalid discriminator value\. Expected 'scale-apiservers' \| /)]);
  });

  it('events after the end or before zero', () => {
    expect(where(issuesOf(`${HEAD}events:\n  - { at: 10s, type: stop-webhook }\n`))).toEqual([
      expect.stringMatching(/^7:11 events\[0\]\.at: at 10s is not before the end of the load phase \(duration 10s\)/),
    ]);
    expect(where(issuesOf(`${HEAD}events:\n  - { at: -1s, type: stop-webhook }\n`))).toEqual([
      expect.stringMatching(/^7:11 events\[0\]\.at: not a duration: "-1s"/),
    ]);
  });

  it('overlapping restarts of the same replica, and replicas that do not exist at that moment', () => {
    const issues = issuesOf(
      `${HEAD}events:\n  - { at: 1s, type: restart-apiserver, replica: 1 }\n  - { at: 2s, type: kill-apiserver, replica: 1 }\n  - { at: 3s, type: restart-apiserver, replica: 3 }\n`,
    );
    expect(where(issues)).toEqual([
      expect.stringMatching(/^8:5 events\[1\]: the kill of replica 1 at 2s overlaps the restart from event 0/),
      expect.stringMatching(/^9:49 events\[2\]\.replica: replica 3 does not exist at 3s \(there are 3: 0 to 2\)/),
    ]);
  });

  it('client groups that do not exist or are in the wrong state, and changes a profile cannot make', () => {
    const issues = issuesOf(
      `name: t\nclients:\n  - { name: ctl, rate: 1 }\n  - { name: pool, rate: 1, profile: http1-pool }\nevents:\n  - { at: 1s, type: set-clients, group: nope, rate: 2 }\n  - { at: 1s, type: start-clients, group: ctl }\n  - { at: 2s, type: set-clients, group: pool, rate: 5 }\n`,
    );
    expect(issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/unknown client group "nope" \(known: ctl, pool\)/),
      expect.stringMatching(/group "ctl" is already running at 1s/),
      expect.stringMatching(/http1-pool profile, whose rate is fixed/),
    ]);
  });

  it('absurd values: 0 replicas, QPS 1e9, 10,000 pods in a group, a 17th replica', () => {
    const issues = issuesOf(
      'name: t\ntopology:\n  controlPlane:\n    replicas: 0\nclients:\n  - { name: c, rate: 1, qps: 1000000000, count: 10000 }\nevents:\n  - { at: 1s, type: scale-apiservers, replicas: 17 }\n',
    );
    expect(issues.map((i) => i.path)).toEqual(['topology.controlPlane.replicas', 'clients[0].qps', 'clients[0].count', 'events[0].replicas']);
  });

  it('more client pods than this machine simulates is refused before anything starts', () => {
    const limit = CLIENT_PODS_PER_CORE * os.cpus().length;
    const groups = Math.ceil((limit + 1) / 500);
    const clients = Array.from({ length: groups }, (_, i) => `  - { name: g${i}, rate: 1, count: 500 }`).join('\n');
    const issues = issuesOf(`name: t\nclients:\n${clients}\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 3, path: 'clients' });
    expect(issues[0]!.message).toMatch(/client pods is more than this machine simulates .* use fewer pods, or the kind target/);
  });

  it('unknown modes and metrics in expect, events and groups expectations name, and compare bounds', () => {
    const issues = issuesOf(
      `name: t\nmodes: [direct, l7]\nclients:\n  - { name: c, rate: 1 }\nexpect:\n  l8: { maxOverMean: { max: 1 } }\n  l7:\n    maxOverMeen: { max: 1 }\n    convergenceSeconds: { nope: { max: 1 } }\n    identity: { ghost: alice }\n  passthrough: { conservation: true }\n  compare: [ "l7.p99Ms <= 1.5 * goaway.p99Ms", "l7.speed < 2" ]\n`,
    );
    expect(where(issues)).toEqual([
      expect.stringMatching(/^6:3 expect\.l8: unknown field "l8"/),
      expect.stringMatching(/^8:5 expect\.l7\.maxOverMeen: unknown field "maxOverMeen" \(did you mean "maxOverMean"\?\)/),
      expect.stringMatching(/^9:33 expect\.l7\.convergenceSeconds\.nope: no event named "nope"/),
      expect.stringMatching(/^10:24 expect\.l7\.identity\.ghost: no client group "ghost"/),
      expect.stringMatching(/^11:16 expect\.passthrough: expectations for mode "passthrough", which this scenario does not run/),
      expect.stringMatching(/^12:14 expect\.compare\[0\]: mode "goaway" is not one of this scenario's modes/),
      expect.stringMatching(/^12:48 expect\.compare\[1\]: unknown metric "speed" \(known: maxOverMean, /),
    ]);
  });

  it('compare bounds on client groups: the group must exist and the metric be a group metric', () => {
    const issues = issuesOf(
      `name: t\nmodes: [direct, l7]\nclients:\n  - { name: c, rate: 1 }\nexpect:\n  compare: [ "l7.groups[c].p99Ms <= 2 * direct.groups[c].p99Ms + 20", "l7.groups[ghost].p99Ms < 2", "l7.groups[c].jain < 2" ]\n`,
    );
    expect(where(issues)).toEqual([
      expect.stringMatching(/^6:71 expect\.compare\[1\]: no client group "ghost" \(groups: c\)/),
      expect.stringMatching(/^6:101 expect\.compare\[2\]: unknown group metric "jain" \(known: p50Ms, p99Ms, /),
    ]);
  });

  it('a gate duration that ends before an event, or is longer than the scenario', () => {
    const issues = issuesOf(`${HEAD}gate: { duration: 3s }\nevents:\n  - { at: 4s, type: stop-webhook }\n`);
    expect(where(issues)).toEqual([expect.stringMatching(/^8:11 events\[0\]\.at: not before the end of the gate's shorter load phase/)]);
    expect(where(issuesOf(`${HEAD}gate: { duration: 20s }\n`))).toEqual([expect.stringMatching(/gate\.duration: longer than the scenario's duration/)]);
  });
});
