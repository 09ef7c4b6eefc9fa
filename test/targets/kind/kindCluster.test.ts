// A kind run's cluster brought up and closed against a fake kubectl (a recording runner and port-forwards that report
// ready at once): close() removes the webhook registration before anything else (with failurePolicy Fail on shoot
// namespaces, a registration left behind refuses every pod created there), goes on past a failing step, and tells
// Ctrl-C how long it needs; while start() runs, Ctrl-C has a clean-up that does the same; a start that fails removes
// the registration it may have applied. set-namespace-alias annotates the internal gateway Service and then rewrites
// every control plane's gateway egress policy (the neighbour's too) for the alias label, as GRM's controller would.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Scenario } from '../../../scenarios/schema.ts';
import { MODES } from '../../../scripts/cluster/modes.ts';
import { planCluster } from '../../../scripts/cluster/plan.ts';
import { CLOSE_TIMEOUT_MS, KindCluster } from '../../../scripts/targets/kind/kindCluster.ts';
import { resolveKindOptions } from '../../../scripts/targets/kind/options.ts';
import type { KindToolName } from '../../../scripts/targets/kind/tools.ts';
import { recordingRunner, versionAnswer } from './recordingRunner.ts';

const CRDS = ['gateways', 'virtualservices', 'destinationrules', 'envoyfilters'].map((k) => `crd/${k}.networking.istio.io`).join('\n');
const REGISTRATION_REMOVAL = 'delete mutatingwebhookconfiguration gardener-resource-manager --ignore-not-found';

/** kubectl and kind as a cluster:up cluster answers them; `fail` makes matching calls fail. */
function fakeCluster(fail: (args: readonly string[]) => boolean = () => false) {
  const runner = recordingRunner((tool: KindToolName, args) => {
    if (fail(args)) return new Error('Error from server (InternalError): etcdserver: request timed out');
    const version = versionAnswer(tool, args);
    if (version !== undefined) return version;
    if (tool === 'kind') return 'apiserver-lb\n';
    if (args.includes('crd')) return CRDS;
    if (args.includes('deployment') && args.includes('json'))
      return JSON.stringify({ spec: { template: { metadata: { labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } } } } });
    if (args.includes('get') && (args.includes('pods') || args.includes('services'))) return '{"items":[]}';
    return '';
  });
  runner.spawn = async () => ({ readyLine: 'Forwarding from 127.0.0.1:4321 -> 443', exited: new Promise<void>(() => undefined), close: async () => undefined });
  return runner;
}

const scenario = Scenario.parse({ name: 'c', topology: { neighbours: [{ name: 'n' }] }, clients: [{ name: 'a', rate: 1 }] });
const plan = planCluster(scenario.topology, MODES.l7, 1, { clientGroups: scenario.clients });
// The rendered files (keys among them) go to a scratch folder.
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-cluster-'));
afterAll(() => fs.rmSync(workDir, { recursive: true, force: true }));
const options = resolveKindOptions({ workDir });

describe('KindCluster start and close', () => {
  it('close() removes the registration first, then each control plane, the neighbour first', async () => {
    const runner = fakeCluster();
    const cleanups: { graceMs?: number; active: boolean }[] = [];
    const cluster = await KindCluster.start(plan, options, runner, undefined, {
      registerCleanup: (_cleanup, graceMs) => {
        const entry = { graceMs, active: true };
        cleanups.push(entry);
        return () => void (entry.active = false);
      },
    });
    // While it started, Ctrl-C had a clean-up with the time close() needs; once started the runner registers close().
    expect(cleanups).toEqual([{ graceMs: CLOSE_TIMEOUT_MS, active: false }]);
    expect(cluster.closeTimeoutMs).toBe(CLOSE_TIMEOUT_MS);
    const before = runner.calls.length;
    await cluster.close();
    const closing = runner.calls.slice(before).map((c) => c.replace('kubectl --context kind-apiserver-lb ', ''));
    expect(closing[0]).toBe(REGISTRATION_REMOVAL);
    expect(closing.filter((c) => c.startsWith('delete namespace'))).toEqual([
      'delete namespace shoot--local--n --ignore-not-found --wait=false',
      'delete namespace shoot--local--hot --ignore-not-found --wait=false',
    ]);
    expect(closing.filter((c) => c === REGISTRATION_REMOVAL)).toHaveLength(1);
  });

  it('a failing step does not stop close(): every namespace is still deleted, and the failure is thrown', async () => {
    const runner = fakeCluster();
    const cluster = await KindCluster.start(plan, options, runner);
    const failing = fakeCluster((args) => args.includes('envoyfilter,secret'));
    (cluster as unknown as { runner: typeof runner }).runner = failing;
    await expect(cluster.close()).rejects.toThrow(/etcdserver: request timed out/);
    expect(failing.calls.filter((c) => c.includes('delete namespace'))).toHaveLength(2);
  });

  it('a start that fails removes the registration it may have applied', async () => {
    const runner = fakeCluster(
      (args) => args.includes('--server-side') && args.includes('--field-manager=apiserver-l7-testbed') && args.some((a) => a.includes('60-shoot')),
    );
    await expect(KindCluster.start(plan, options, runner)).rejects.toThrow(/step \d+ \(create the clients' namespace/);
    expect(runner.calls.at(-1)).toBe(`kubectl --context kind-apiserver-lb ${REGISTRATION_REMOVAL}`);
  });
});

describe('KindCluster apply: set-namespace-alias', () => {
  it("annotates the internal gateway Service, then rewrites every control plane's gateway egress policy for the alias label", async () => {
    const runner = fakeCluster();
    const cluster = await KindCluster.start(plan, options, runner);
    try {
      const before = runner.calls.length;
      const outcome = await cluster.apply({ type: 'set-namespace-alias', alias: 'all-istio-ingresses' });
      const calls = runner.calls.slice(before).map((c) => c.replace('kubectl --context kind-apiserver-lb ', ''));
      const annotate = calls.findIndex((c) => c.startsWith('annotate service istio-ingressgateway-internal'));
      const applied = calls.findIndex((c) => c.includes('gateway-egress-policies-all-istio-ingresses.yaml'));
      expect(calls[annotate]).toBe(
        `annotate service istio-ingressgateway-internal -n ${plan.istioNamespace} networking.resources.gardener.cloud/pod-label-selector-namespace-alias=all-istio-ingresses --overwrite`,
      );
      // GRM reacts to the annotation: the policies follow it.
      expect(applied).toBeGreaterThan(annotate);
      const file = calls[applied]!.split(' ').find((a) => a.endsWith('.yaml'))!;
      const policies = fs
        .readFileSync(path.isAbsolute(file) ? file : path.join(workDir, file), 'utf8')
        .split(/^---$/m)
        .filter((d) => d.includes('NetworkPolicy'));
      // The control plane's and the neighbour's policy, each selecting the alias label instead of the namespace's.
      expect(policies).toHaveLength(2);
      for (const [i, namespace] of ['shoot--local--hot', 'shoot--local--n'].entries()) {
        expect(policies[i]).toContain(`namespace: ${namespace}`);
        expect(policies[i]).toContain('networking.resources.gardener.cloud/to-all-istio-ingresses-istio-ingressgateway-internal-tcp-9443: allowed');
        expect(policies[i]).not.toContain(`gardener.cloud/to-${plan.istioNamespace}-istio-ingressgateway-internal`);
      }
      expect(outcome.detail).toMatch(
        /annotated with namespace alias all-istio-ingresses: the gateway egress policies now select networking\.resources\.gardener\.cloud\/to-all-istio-ingresses-/,
      );
    } finally {
      await cluster.close();
    }
  });
});
