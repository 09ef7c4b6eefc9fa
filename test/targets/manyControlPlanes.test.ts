// N control planes behind one gateway on the local target and in the kind dry run
// (docs/scenarios.md#many-control-planes): each set member runs its own replicas with its own certificates, its pods
// are admitted in its own namespace with its own host, and the gateway routes each host to its own replicas; the kind
// dry run renders every control plane's objects into its own namespace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MODES } from '../../scripts/cluster/modes.ts';
import { planCluster } from '../../scripts/cluster/plan.ts';
import { parsePrometheusText, sumOf } from '../../scripts/measure/promText.ts';
import { dryRunKindScenario } from '../../scripts/targets/kind/dryRun.ts';
import { LocalCluster } from '../../scripts/targets/local/localCluster.ts';
import { Scenario } from '../../scenarios/schema.ts';
import { connect, h2request } from '../helpers/h2.ts';

const scenario = (count: number) =>
  Scenario.parse({
    name: 'many',
    modes: ['l7'],
    topology: { controlPlane: { replicas: 1 }, neighbours: [{ name: 'shoot', count, replicas: 2 }], gateway: { pods: 1 } },
    clients: [
      { name: 'probe', rate: 1 },
      { name: 'ctl', rate: 1, controlPlane: 'shoot' },
    ],
  });

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

describe('local target: 1 + 5 control planes behind one gateway', () => {
  it("admits every set member's pods in its own namespace with its own host, and routes each host to its own replicas", async () => {
    const s = scenario(5);
    cluster = await LocalCluster.start(planCluster(s.topology, MODES.l7, 5, { clientGroups: s.clients }));
    const c = cluster;
    expect(c.neighbours.map((n) => n.plan.namespace)).toEqual(Array.from({ length: 5 }, (_, k) => `shoot--local--shoot-${k + 1}`));
    const { admitted, rejected } = await c.admitClientPods(s.clients);
    expect(rejected).toEqual([]);
    const gatewayVip = c.plan.services.gatewayInternal.clusterIP;
    for (const n of c.neighbours) {
      const pod = admitted.find((p) => p.group === `ctl-${n.plan.neighbour!.name.slice('shoot-'.length)}`)!;
      expect([pod.namespace, pod.kubeconfig.server, pod.hostAliases]).toEqual([
        n.plan.namespace,
        `https://${n.plan.publicHost}`,
        [{ ip: gatewayVip, hostnames: [n.plan.publicHost] }],
      ]);
    }

    const counted = async () => {
      const totals: Record<string, number> = {};
      for (const endpoint of c.replicaMetrics()) {
        const key = endpoint.controlPlane ?? 'under-test';
        totals[key] = (totals[key] ?? 0) + sumOf(parsePrometheusText(await endpoint.scrape()), 'apiserver_request_total');
      }
      return totals;
    };
    const before = await counted();
    const gateway = c.gatewayPods[0]!;
    // k requests to member k's host, each on a connection verified with that member's own CA.
    for (const [k, n] of c.neighbours.entries()) {
      const session = await connect(`https://${gateway.ip}:${gateway.port}`, { ca: n.certificates.authorities.ca.certPem, servername: n.plan.publicHost });
      try {
        for (let i = 0; i <= k; i++) {
          const answer = await h2request(session, {
            ':method': 'GET',
            ':path': '/api/v1/namespaces/default/configmaps',
            ':authority': n.plan.publicHost,
            authorization: `Bearer ${n.plan.tokens.shootAdmin}`,
          });
          expect(answer.status).toBe(200);
        }
      } finally {
        session.close();
      }
    }
    const after = await counted();
    expect(c.neighbours.map((n) => after[n.plan.neighbour!.name]! - before[n.plan.neighbour!.name]!)).toEqual([1, 2, 3, 4, 5]);
    expect(after['under-test']).toBe(before['under-test']);
    const stats = (await c.networkStats()).gateways[0]!;
    const members = Object.keys(stats.clusters).filter((k) => k.startsWith('default|'));
    expect(members).toHaveLength(5);
  }, 120_000);
});

describe('kind dry run: 1 + 12 control planes', () => {
  it("renders every control plane's namespace, etcd, kube-apiserver and Gateway with its own host, and the webhook once", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-many-'));
    try {
      const dry = await dryRunKindScenario({ scenario: scenario(12), randomSeed: 3, out });
      expect(dry.problems).toEqual([]);
      const [mode] = dry.modes;
      const objects = mode!.plan.files.flatMap((f) => f.objects ?? []) as any[];
      const all = [mode!.clusterPlan, ...mode!.clusterPlan.neighbours];
      expect(all).toHaveLength(13);
      for (const p of all) {
        const own = objects.filter((o) => o.metadata?.namespace === p.namespace);
        expect(own.find((o) => o.kind === 'Deployment' && o.metadata.name === 'kube-apiserver')?.spec.replicas).toBe(p.replicas.length);
        expect(own.find((o) => o.kind === 'Deployment' && o.metadata.name === 'etcd')).toBeDefined();
        expect(own.find((o) => o.kind === 'Gateway')?.spec.servers[0].hosts).toEqual([p.publicHost]);
      }
      expect(objects.filter((o) => o.kind === 'MutatingWebhookConfiguration')).toHaveLength(1);
      expect(new Set(all.map((p) => p.namespace)).size).toBe(13);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
