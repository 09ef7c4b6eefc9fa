// N control planes from one template (docs/scenarios.md#many-control-planes): the scenario expands a `count` entry
// into its control planes and their client groups, the plan gives each its own addresses, certificates and seed
// objects, and errors name the entry as written. The local target's start and the kind dry run are pinned in
// test/targets/manyControlPlanes.test.ts.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_CONTROL_PLANES, replicaIp } from '../../scripts/cluster/addresses.ts';
import { issuePlan, placeholderPlan } from '../../scripts/cluster/issuedPlan.ts';
import { MODES } from '../../scripts/cluster/modes.ts';
import { planCluster } from '../../scripts/cluster/plan.ts';
import { parseScenarioText } from '../../scenarios/loader.ts';
import { MAX_NEIGHBOURS, Scenario } from '../../scenarios/schema.ts';
import { issuesOf } from '../helpers/scenarioIssues.ts';

const manyText = (count: number) =>
  [
    'name: many',
    'topology:',
    '  controlPlane: { replicas: 3 }',
    '  neighbours:',
    '    - { name: quiet, replicas: 2 }',
    `    - { name: shoot, count: ${count}, replicas: 3 }`,
    'clients:',
    '  - { name: probe, rate: 1 }',
    '  - { name: controller, rate: 2, count: 2, controlPlane: shoot }',
    '  - { name: other, rate: 1, controlPlane: quiet }',
    'expect:',
    '  l7:',
    '    groups:',
    '      controller: { errorRate: { max: 0 } }',
    '',
  ].join('\n');

describe('a set of control planes in the scenario', () => {
  it('expands `count` into named control planes and each set group into one group per member, expectations included', () => {
    const scenario = parseScenarioText(manyText(3), 'many.yaml');
    expect(scenario.topology.neighbours.map((n) => [n.name, n.set, n.replicas])).toEqual([
      ['quiet', undefined, 2],
      ['shoot-1', 'shoot', 3],
      ['shoot-2', 'shoot', 3],
      ['shoot-3', 'shoot', 3],
    ]);
    expect(scenario.clients.map((g) => [g.name, g.controlPlane, g.count])).toEqual([
      ['probe', undefined, 1],
      ['controller-1', 'shoot-1', 2],
      ['controller-2', 'shoot-2', 2],
      ['controller-3', 'shoot-3', 2],
      ['other', 'quiet', 1],
    ]);
    expect(Object.keys(scenario.expect.l7!.groups!)).toEqual(['controller-1', 'controller-2', 'controller-3']);
  });

  it('keeps a written-out neighbours list as it was', () => {
    const s = Scenario.parse({ name: 't', topology: { neighbours: [{ name: 'a' }] }, clients: [{ name: 'c', rate: 1 }] });
    expect(s.topology.neighbours).toEqual([expect.objectContaining({ name: 'a', entry: 0 })]);
    expect(s.topology.neighbours[0]).not.toHaveProperty('set');
  });

  it('reports what does not fit at the entry as written (file:line:col)', () => {
    const tooMany = issuesOf(manyText(MAX_NEIGHBOURS));
    expect(tooMany.map((i) => `${i.line}:${i.col} ${i.path}`)).toEqual(['5:5 topology.neighbours']);
    expect(tooMany[0]!.message).toMatch(/195 neighbour control planes do not fit: .* at most 194 neighbours/);
    const clash = issuesOf(
      [
        'name: x',
        'topology:',
        '  neighbours:',
        '    - { name: shoot-2 }',
        '    - { name: shoot, count: 3, namespace: ns }',
        'clients: [{ name: c, rate: 1 }]',
        '',
      ].join('\n'),
    );
    expect(clash.map((i) => `${i.line}:${i.col} ${i.path}`).sort()).toEqual([
      '5:15 topology.neighbours[1].name',
      '5:43 topology.neighbours[1].namespace',
      // Not written in the file (its default follows the name): reported at the entry.
      '5:7 topology.neighbours[1].publicHost',
    ]);
    expect(clash.map((i) => i.message).sort()).toEqual([
      "a set of control planes (count) takes each one's namespace from its name; leave namespace out",
      'duplicate neighbour name "shoot-2"',
      'public host "api.shoot-2.local.internal.local.gardener.cloud" is already another control plane\'s',
    ]);
  });

  it('one address block holds exactly the control planes the schema allows', () => {
    expect(MAX_CONTROL_PLANES).toBe(MAX_NEIGHBOURS + 1);
    const last = replicaIp({ block: 100, privilegedPortOffset: 0, controlPlaneSlot: MAX_CONTROL_PLANES - 1 }, 15);
    expect(last).toBe('127.100.15.240');
    expect(() => replicaIp({ block: 100, privilegedPortOffset: 0, controlPlaneSlot: MAX_CONTROL_PLANES }, 0)).toThrow(
      /control-plane slot 195 out of range \(one address block holds 195 control planes\)/,
    );
  });
});

describe('the plan of 1 + 1 + 60 control planes', () => {
  const scenario = parseScenarioText(manyText(60), 'many.yaml');
  const plan = planCluster(scenario.topology, MODES.l7, 11, { clientGroups: scenario.clients });
  const all = [plan, ...plan.neighbours];

  it('gives every control plane its own namespace, public host, VIP and replica addresses, none shared', () => {
    expect(all).toHaveLength(62);
    const replicaIps = all.flatMap((p) => p.replicas.map((r) => r.ip));
    const vips = [plan.services.gatewayInternal.clusterIP, ...all.map((p) => p.services.kubeApiserver.clusterIP)];
    const seedWide = [...plan.gatewayPods, plan.seedApiserver, plan.webhook].map((e) => e.ip);
    const everything = [...replicaIps, ...vips, ...seedWide];
    expect(new Set(everything).size).toBe(everything.length);
    expect(new Set(all.map((p) => p.namespace)).size).toBe(62);
    expect(new Set(all.map((p) => p.publicHost)).size).toBe(62);
    // Slots 0-14 in 127.B.1 as before; slot 15 (neighbours[14]) opens 127.B.4.
    expect(plan.neighbours[13]!.replicas.map((r) => r.ip)).toEqual(['127.100.1.225', '127.100.1.226', '127.100.1.227']);
    expect(plan.neighbours[14]!.replicas.map((r) => r.ip)).toEqual(['127.100.4.1', '127.100.4.2', '127.100.4.3']);
    // Each client group is known to its own control plane only.
    expect(plan.neighbours.map((n) => n.clientGroups)).toEqual([['other'], ...Array.from({ length: 60 }, (_, k) => [`controller-${k + 1}`])]);
  });

  it("serves every control plane from the seed-wide parts: DNS, kube-proxy, one gateway server each, and its own objects' namespace", () => {
    const { components, seedObjects, neighbours } = placeholderPlan(plan);
    expect(plan.dns).toHaveLength(2 + 61);
    expect(components.kubeProxy.services).toHaveLength(2 + 61);
    expect(components.gateways[0]!.controlPlanes.map((s) => s.hosts[0])).toEqual(all.map((p) => p.publicHost));
    expect(components.gateways[0]!.controlPlanes.map((s) => s.upstream.endpoints)).toEqual(all.map((p) => p.replicas));
    for (const n of neighbours) {
      const ids = n.seedObjects.map((o) => `${o.object.metadata.namespace ?? '-'}:${o.id}`);
      expect(ids).toEqual([
        `-:namespace/${n.plan.namespace}`,
        `${n.plan.namespace}:service/kube-apiserver`,
        `${n.plan.namespace}:configmap/istio-internal-load-balancing`,
        `${n.plan.namespace}:secret/${n.plan.genericKubeconfig.secretName}`,
        ...n.plan.clientGroups.map((g) => `${n.plan.namespace}:secret/shoot-access-${g}`),
      ]);
    }
    expect(seedObjects.filter((o) => o.object.kind === 'Namespace')).toHaveLength(62 + 2);
    expect(seedObjects.filter((o) => o.object.kind === 'MutatingWebhookConfiguration')).toHaveLength(1);
  });

  it("issues each control plane's own serving certificate with its public host and every replica slot's IP", async () => {
    const issued = await issuePlan(plan);
    for (const [i, cp] of [issued.underTest, ...issued.neighbours].entries()) {
      const serving = new X509Certificate(cp.pems.keyPair('kube-apiserver').certPem);
      expect(serving.subjectAltName).toContain(`DNS:${cp.plan.publicHost}`);
      expect(serving.subjectAltName).toContain(`DNS:kube-apiserver.${cp.plan.namespace}.svc`);
      for (const r of cp.plan.replicas) expect(serving.subjectAltName).toContain(`IP Address:${r.ip}`);
      expect(serving.subjectAltName).toContain(`IP Address:${cp.plan.services.kubeApiserver.clusterIP}`);
      expect(serving.checkIssued(new X509Certificate(cp.pems.authority('ca')))).toBe(true);
      if (i > 0) expect(serving.checkIssued(new X509Certificate(issued.underTest.pems.authority('ca')))).toBe(false);
    }
  });
});
