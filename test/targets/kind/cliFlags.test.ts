// `npm run scenario <name> -- --target cluster ...` with flags alone, for a user's own cluster and registry: the dry run
// (the real command, in a child process) deploys the images, namespace prefix, kube-apiserver version, etcd image and
// gateway namespace the flags name, at the time scale they name; a kind cluster's record fills in what flags leave
// out; the kind and cluster flags are refused on the local target, and a bad value is one line and exit 2.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const run = async (args: string[], cwd = ROOT) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(TSX, [path.join(ROOT, 'scripts/scenario.ts'), ...args], { cwd, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-flags-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');

describe('a scenario on your own cluster, with flags alone', () => {
  it('deploys what the flags name', async () => {
    const out = path.join(tmp, 'own');
    const flags = ['--target', 'cluster', '--kubeconfig', '/home/me/.kube/lab', '--context', 'lab'];
    const images = ['--webhook-image', 'registry.example.com/lb/webhook:1', '--load-client-image', 'registry.example.com/lb/load-client:1'];
    const versions = ['--kube-apiserver-version', '1.35.7', '--etcd-image', 'registry.example.com/mirror/etcd:3.6.5-0'];
    const where = ['--namespace-prefix', 'alice-', '--gateway-namespace', 'istio-system', '--kube-proxy-mode', 'iptables', '--time-scale', '6'];
    const result = await run(['scale-out', '--modes', 'l7', ...flags, ...images, ...versions, ...where, '--dry-run', out]);
    expect(result.stderr).toMatch(/^dry run: \d+ files in /);
    expect(result.code).toBe(0);
    const dir = path.join(out, 'alice-shoot--local--hot', 'l7');
    expect(read(dir, '10-webhook.yaml')).toContain('image: registry.example.com/lb/webhook:1');
    expect(read(dir, '32-kube-apiserver.yaml')).toContain('image: registry.k8s.io/kube-apiserver:v1.35.7');
    expect(read(dir, '31-etcd.yaml')).toContain('image: registry.example.com/mirror/etcd:3.6.5-0');
    expect(read(dir, '41-istio-l7.yaml')).toContain('namespace: istio-system');
    const clientPod = fs.readdirSync(path.join(out, 'alice-shoot--local--hot', 'clients', 'f0-l7'))[0]!;
    expect(read(path.join(out, 'alice-shoot--local--hot', 'clients', 'f0-l7'), clientPod)).toContain('image: registry.example.com/lb/load-client:1');
    const plan = read(out, 'plan.txt');
    expect(plan).toContain('kubectl --kubeconfig /home/me/.kube/lab --context lab apply');
    expect(plan).toContain('time scale 6: the load phase runs 60s (the scenario says 10s)');
    expect(plan).toContain('at 18s, event 0 (scale-out): scale kube-apiserver to 4');
  });

  it('--target kind takes what cluster:up recorded, and a flag still wins', async () => {
    fs.mkdirSync(path.join(tmp, '.kind', 'lab'), { recursive: true });
    const record = {
      clusterName: 'lab',
      kubeApiserverVersion: 'v1.36.3',
      etcdImage: 'registry.k8s.io/etcd:3.6.5-0',
      kubeProxyMode: 'ipvs',
      images: { webhook: 'localhost/w:7', loadClient: 'localhost/l:7' },
      gatewayNamespace: 'istio-ingress',
      istioVersion: '1.29.6',
      recordedAt: '2026-12-01T00:00:00.000Z',
    };
    fs.writeFileSync(path.join(tmp, '.kind', 'lab', 'cluster.json'), JSON.stringify(record));
    const result = await run(['hot-client', '--modes', 'l7', '--target', 'kind', '--cluster-name', 'lab', '--dry-run', path.join(tmp, 'rec')], tmp);
    // hot-client asks for iptables; this cluster runs ipvs: refused, with the record's mode named.
    expect(result.stdout).toContain("topology.kubeProxy.mode is iptables, but the cluster's kube-proxy runs in ipvs mode");
    expect(read(path.join(tmp, 'rec', 'shoot--local--hot', 'l7'), '32-kube-apiserver.yaml')).toContain('image: registry.k8s.io/kube-apiserver:v1.36.3');
    expect(read(path.join(tmp, 'rec', 'shoot--local--hot', 'l7'), '10-webhook.yaml')).toContain('image: localhost/w:7');
    const flagWins = await run(
      ['hot-client', '--modes', 'l7', '--target', 'kind', '--cluster-name', 'lab', '--kube-proxy-mode', 'iptables', '--dry-run', path.join(tmp, 'rec2')],
      tmp,
    );
    expect(flagWins.code).toBe(0);
  });

  it('refuses the kind and cluster flags on the local target, and bad values, with one line and exit 2', async () => {
    const local = await run(['hot-client', '--time-scale', '3']);
    expect(local.code).toBe(2);
    expect(local.stderr.trim()).toMatch(/^--time-scale is for --target kind or cluster \([^\n]*local[^\n]*\)$/);
    const bad = await run(['hot-client', '--target', 'cluster', '--namespace-prefix', 'Alice_', '--dry-run', path.join(tmp, 'bad')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain("option '--namespace-prefix <prefix>' argument 'Alice_' is invalid");
  });
});
