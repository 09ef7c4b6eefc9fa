// `npm run cluster:up|down|clean` as commands (with a recording runner in place of the CLIs): the dry runs write into a
// folder that does not exist yet and keep git out of it; cluster:up records its settings and --target kind runs take
// them as their defaults (the kube-apiserver version it pre-pulled, the kube-proxy mode its nodes run); cluster:clean
// removes the webhook registration before anything else.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../../scenarios/loader.ts';
import { Scenario } from '../../../scenarios/schema.ts';
import { readClusterRecord } from '../../../scripts/targets/kind/clusterRecord.ts';
import { kindClusterCommand } from '../../../scripts/targets/kind/clusterCommand.ts';
import { dryRunKindScenario } from '../../../scripts/targets/kind/dryRun.ts';
import { createKindTarget } from '../../../scripts/targets/kind/kindTarget.ts';
import { resolveKindOptions } from '../../../scripts/targets/kind/options.ts';
import { recordingRunner, versionAnswer } from './recordingRunner.ts';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-command-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

async function command(args: string[], runner = recordingRunner((tool, a) => versionAnswer(tool, a) ?? '')) {
  const lines: string[] = [];
  await kindClusterCommand({ runner, print: (t) => lines.push(t), root: tmp }).parseAsync(['node', 'kind-cluster', ...args]);
  return { lines, runner, exitCode: process.exitCode };
}

describe('dry runs', () => {
  it('cluster:down --dry-run into a folder that does not exist yet', async () => {
    const dir = path.join(tmp, 'new', 'nested', 'down');
    const { lines, runner, exitCode } = await command(['down', '--name', 'lab', '--dry-run', dir]);
    expect(exitCode).toBeUndefined();
    expect(runner.calls).toEqual([]);
    expect(lines.join('\n')).toContain('kind delete cluster --name lab');
    expect(fs.readFileSync(path.join(dir, 'plan.txt'), 'utf8')).toContain('kind delete cluster --name lab');
  });

  it("keeps git out of a dry run's folder inside a repository: its keys are never committed", async () => {
    const repo = path.join(tmp, 'repo');
    fs.mkdirSync(repo);
    execFileSync('git', ['init', '-q', repo]);
    const scenario = Scenario.parse({ name: 'g', clients: [{ name: 'a', rate: 1 }] });
    const dry = await dryRunKindScenario({ scenario, modes: ['l7'], randomSeed: 1, out: path.join(repo, 'out') });
    const key = dry.files.find((f) => f.endsWith('30-control-plane-secrets.yaml'))!;
    expect(fs.readFileSync(key, 'utf8')).toContain('tls.key');
    expect(execFileSync('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=all'], { encoding: 'utf8' })).toBe('');
    expect(execFileSync('git', ['-C', repo, 'check-ignore', key], { encoding: 'utf8' }).trim()).toBe(key);
  });
});

describe('cluster:up records what it configured, and kind runs deploy it', () => {
  it('the kube-apiserver version it pre-pulled and the kube-proxy mode of its nodes become the runs defaults', async () => {
    const { runner, exitCode, lines } = await command([
      'up',
      '--name',
      'lab',
      '--kube-proxy-mode',
      'ipvs',
      '--kube-apiserver-version',
      'v1.35.7',
      '--workers',
      '1',
    ]);
    expect(exitCode).toBeUndefined();
    expect(runner.calls).toContain('docker exec lab-worker crictl pull registry.k8s.io/kube-apiserver:v1.35.7');
    expect(lines.at(-1)).toMatch(/^cluster lab is ready \(its settings, which --target kind runs use: \.kind\/lab\/cluster\.json\)/);
    const record = readClusterRecord('lab', tmp)!;
    expect(record).toMatchObject({ clusterName: 'lab', kubeApiserverVersion: 'v1.35.7', kubeProxyMode: 'ipvs', gatewayNamespace: 'istio-ingress' });
    const o = resolveKindOptions({ clusterName: 'lab', clusterRecord: record });
    expect([o.kubeApiserverVersion, o.kubeProxyMode]).toEqual(['v1.35.7', 'ipvs']);
    // A flag still wins; --target cluster does not read the kind record.
    expect(resolveKindOptions({ clusterRecord: record, kubeApiserverVersion: 'v1.34.10' }).kubeApiserverVersion).toBe('v1.34.10');
    expect(resolveKindOptions({ target: 'cluster', clusterRecord: record }).kubeProxyMode).toBeUndefined();
    // A scenario in iptables mode is refused on this ipvs cluster, and an ipvs one runs.
    const target = createKindTarget({ clusterName: 'lab', clusterRecord: record });
    const base = { name: 't', clients: [{ name: 'a', rate: 1 }] };
    expect(target.check(Scenario.parse(base))).toEqual([
      "topology.kubeProxy.mode is iptables, but the cluster's kube-proxy runs in ipvs mode (kind: recreate it with cluster:up --kube-proxy-mode iptables)",
    ]);
    expect(target.check(Scenario.parse({ ...base, topology: { kubeProxy: { mode: 'ipvs' } } }))).toEqual([]);
  });

  it("--max-pods sets every node's kubelet maxPods, is recorded with the workers, and the dry run sizes the cluster by it", async () => {
    const { exitCode } = await command(['up', '--name', 'big', '--workers', '5', '--max-pods', '250']);
    expect(exitCode).toBeUndefined();
    const config = fs.readFileSync(path.join(tmp, '.kind', 'big', 'up', 'cluster-big', 'kind-config.yaml'), 'utf8');
    expect(config).toContain('kind: KubeletConfiguration');
    expect(config).toContain('maxPods: 250');
    const record = readClusterRecord('big', tmp)!;
    expect([record.workers, record.maxPods]).toEqual([5, 250]);
    const seedScale = loadScenarioFile('seed-scale').scenario;
    const dry = await dryRunKindScenario({
      scenario: seedScale,
      modes: ['l7'],
      randomSeed: 1,
      out: path.join(tmp, 'big-dry'),
      options: { clusterName: 'big', clusterRecord: record },
    });
    expect(dry.text).toContain("a kind cluster of 5 worker(s) at 250 pods a node (this cluster's record) holds about 1236: enough");
    const small = await dryRunKindScenario({ scenario: seedScale, modes: ['l7'], randomSeed: 1, out: path.join(tmp, 'small-dry') });
    expect(small.text).toContain(
      "2 worker(s) at 110 pods a node (cluster:up's default) holds about 212: not enough: create it with npm run cluster:up -- --workers 5 --max-pods 250",
    );
  });

  it('a failed cluster:up records nothing; a broken record is named', async () => {
    const failing = recordingRunner((tool, a) => versionAnswer(tool, a) ?? (tool === 'helm' ? new Error('Error: INSTALLATION FAILED') : ''));
    const { exitCode } = await command(['up', '--name', 'broken'], failing);
    expect(exitCode).toBe(3);
    expect(readClusterRecord('broken', tmp)).toBeUndefined();
    fs.mkdirSync(path.join(tmp, '.kind', 'bad'), { recursive: true });
    fs.writeFileSync(path.join(tmp, '.kind', 'bad', 'cluster.json'), '{"kubeProxyMode":"ipvs"}');
    expect(() => readClusterRecord('bad', tmp)).toThrow(
      /cluster\.json: no kubeApiserverVersion, etcdImage, images, gatewayNamespace; delete it or run `npm run cluster:up` again$/,
    );
  });
});

describe('cluster:clean', () => {
  it('removes the webhook registration first, then what the runs labelled, on any cluster', async () => {
    const { runner, exitCode } = await command(['clean', '--kubeconfig', '/k', '--context', 'c', '--gateway-namespace', 'gw']);
    expect(exitCode).toBeUndefined();
    const deletes = runner.calls.filter((c) => c.includes(' delete '));
    expect(deletes).toEqual([
      'kubectl --kubeconfig /k --context c delete mutatingwebhookconfiguration -l app.kubernetes.io/managed-by=apiserver-l7-testbed --ignore-not-found',
      'kubectl --kubeconfig /k --context c delete namespace -l app.kubernetes.io/managed-by=apiserver-l7-testbed,gardener.cloud/role=shoot --wait=false --ignore-not-found',
      'kubectl --kubeconfig /k --context c delete envoyfilter,secret,service,configmap -n gw -l app.kubernetes.io/managed-by=apiserver-l7-testbed --ignore-not-found',
      'kubectl --kubeconfig /k --context c delete deployment,service,secret,serviceaccount,poddisruptionbudget -n garden -l app.kubernetes.io/managed-by=apiserver-l7-testbed --ignore-not-found',
      'kubectl --kubeconfig /k --context c delete clusterrole,clusterrolebinding -l app.kubernetes.io/managed-by=apiserver-l7-testbed --ignore-not-found',
    ]);
    const dry = await command(['clean', '--dry-run', path.join(tmp, 'clean')]);
    expect(dry.runner.calls).toEqual([]);
    expect(dry.lines[0]).toMatch(/^dry run of cluster:clean; nothing was run\n {2}1\. # remove the webhook registration/);
    expect(dry.lines[0]).toContain('kubectl --context kind-apiserver-lb delete mutatingwebhookconfiguration');
  });
});
