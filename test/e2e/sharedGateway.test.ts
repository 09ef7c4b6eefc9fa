// Two control planes behind the same gateway pods, end to end on real sockets (docs/scenarios.md#shared-gateway):
// the neighbour's clients are answered by the neighbour's own replicas in both modes (and through the shared gateway
// under l7), every request of both control planes is conserved, and the balance figures stay the control plane under
// test's own.
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadScenarioFile } from '../../scenarios/loader.ts';
import { parseResultsText } from '../../scripts/report/load.ts';
import { renderReport } from '../../scripts/report/render.ts';
import { runScenario } from '../../scripts/runner/runScenario.ts';
import type { ModeResult, ScenarioResults } from '../../scripts/runner/results.ts';
import { localTarget } from '../../scripts/targets/local/localTarget.ts';

const file = fileURLToPath(new URL('../fixtures/scenarios/mini-shared.yaml', import.meta.url));

interface GatewayStatsShape {
  clusters: Record<string, Record<string, { requests: number }>>;
}

describe('shared gateway: a neighbour control plane behind the same gateway pods', () => {
  let results: ScenarioResults;
  const mode = (name: string): ModeResult => results.modes.find((m) => m.mode === name)!;
  beforeAll(async () => {
    const { scenario } = loadScenarioFile(file);
    results = await runScenario({ scenario, file, target: localTarget });
  }, 120_000);

  it('meets the scenario checks in both modes', () => {
    expect(results.checks.filter((c) => !c.ok)).toEqual([]);
  });

  it("measures the machine's CPU over each load phase (the self-check's machine line)", () => {
    for (const m of results.modes) {
      const machine = m.selfCheck.machine!;
      expect(machine, m.mode).toBeDefined();
      expect(machine.cpus).toBeGreaterThanOrEqual(1);
      // Two modes of a real cluster ran here: the machine was busy, much of it with this process.
      expect(machine.busyShare).toBeGreaterThan(0.05);
      expect(machine.processShare).toBeGreaterThan(0.05);
    }
  });

  it("counts the neighbour's requests on its own replicas, and conserves the requests of both control planes", () => {
    for (const m of results.modes) {
      const neighbour = m.neighbours?.find((n) => n.controlPlane === 'quiet');
      const group = m.clients.find((g) => g.group === 'neighbour')!;
      expect(neighbour, m.mode).toBeDefined();
      expect(neighbour!.replicas.map((r) => r.replica)).toEqual(['quiet/kube-apiserver-0', 'quiet/kube-apiserver-1']);
      expect(group.answered, `${m.mode} neighbour answered`).toBeGreaterThan(80);
      expect(neighbour!.requests, `${m.mode} neighbour counted`).toBe(group.answered);
      // The balance figures are the control plane under test's: its three replicas, none of the neighbour's.
      expect(m.replicas.map((r) => r.replica)).toEqual(['kube-apiserver-0', 'kube-apiserver-1', 'kube-apiserver-2']);
      const ownCounted = m.replicas.reduce((s, r) => s + r.requests, 0);
      expect(m.conservation.replicaCounted).toBe(ownCounted + neighbour!.requests);
      expect(m.conservation.ok, `${m.mode} conservation`).toBe(true);
      expect(group.errors, m.mode).toEqual({});
    }
  });

  it("l7: the neighbour's requests went through the shared gateway pods, to the neighbour's replicas only", () => {
    const l7 = mode('l7');
    const gateways = (l7.network as { gateways: GatewayStatsShape[] }).gateways;
    const key = Object.keys(gateways[0]!.clusters).find((k) => k.startsWith('default|api.quiet.'))!;
    expect(key).toBeDefined();
    const viaGateway = gateways.reduce((s, g) => s + Object.values(g.clusters[key] ?? {}).reduce((t, h) => t + h.requests, 0), 0);
    const neighbour = l7.neighbours!.find((n) => n.controlPlane === 'quiet')!;
    expect(viaGateway).toBeGreaterThanOrEqual(neighbour.requests);
    // Every one of the neighbour's replicas took a share.
    for (const r of neighbour.replicas) expect(r.share, r.replica).toBeGreaterThan(0.3);
    // And direct mode runs no gateway at all: the neighbour's pods used its own ClusterIP Service.
    expect((mode('direct').network as { gateways: unknown[] }).gateways).toEqual([]);
  });

  it('the results file keeps the neighbours, and the HTML report shows them in their own section', () => {
    const loaded = parseResultsText(JSON.stringify(results));
    const neighbour = loaded.modes.find((m) => m.mode === 'l7')!.neighbours![0]!;
    expect(neighbour.replicas.map((r) => r.replica)).toEqual(['quiet/kube-apiserver-0', 'quiet/kube-apiserver-1']);
    const html = renderReport(loaded);
    const section = html.slice(html.indexOf('<section id="neighbours">'));
    expect(section).toContain('quiet/kube-apiserver-1');
    expect(section.slice(0, section.indexOf('</section>'))).toContain('(groups neighbour)');
  });
});
