// The CLI as a user runs it (node --import tsx webhook/cli.ts ...): certs, manifests, serve against a kubeconfig,
// --help everywhere, and errors that say what to do.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h1Client } from '../../scripts/webhookRig/webhookClient.ts';
import { startFixtureApiserver, type FixtureApiserver } from '../../scripts/webhookRig/fixtureApiserver.ts';
import { pod, projectedKubeconfigVolume, review, SHOOT_NS } from '../../scripts/webhookRig/pods.ts';
import { startServeProcess, writeFixtureKubeconfig } from '../../scripts/webhookRig/serveProcess.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const cli = (args: string[], options: { timeout?: number } = {}) =>
  execa(process.execPath, ['--import', 'tsx', 'webhook/cli.ts', ...args], { cwd: ROOT, reject: false, timeout: options.timeout ?? 30_000 });

let dir: string;
let api: FixtureApiserver;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-cli-'));
  api = await startFixtureApiserver();
});
afterAll(async () => {
  await api?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('webhook CLI', () => {
  it('--help on every command', async () => {
    const results = await Promise.all([cli(['--help']), cli(['certs', '--help']), cli(['serve', '--help']), cli(['manifests', '--help'])]);
    for (const r of results) expect(r.exitCode).toBe(0);
    expect(results[0]!.stdout).toMatch(/certs[\s\S]*serve[\s\S]*manifests/);
    expect(results[1]!.stdout).toMatch(/--out <dir>[\s\S]*--dns <names>/);
    expect(results[2]!.stdout).toMatch(/--kubeconfig <path>[\s\S]*--in-cluster[\s\S]*--tls-cert <file>/);
    expect(results[3]!.stdout).toMatch(/--namespace <ns>[\s\S]*--image <ref>[\s\S]*--ca-bundle <value>/);
  });

  it('certs writes the PEM files and prints the caBundle; manifests renders from them', async () => {
    const out = path.join(dir, 'certs');
    const r = await cli([
      'certs',
      '--out',
      out,
      '--service',
      'pod-kube-apiserver-load-balancing',
      '--namespace',
      'garden',
      '--ip',
      '127.0.0.1',
      '--dns',
      'localhost',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(Buffer.from(fs.readFileSync(path.join(out, 'ca.crt'))).toString('base64'));
    expect(fs.statSync(path.join(out, 'tls.key')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(out, 'ca.key')).mode & 0o777).toBe(0o600);

    const m = await cli(['manifests', '--namespace', 'garden', '--image', 'localhost/pod-kube-apiserver-load-balancing:dev', '--tls-dir', out]);
    expect(m.exitCode, m.stderr).toBe(0);
    const docs = parseAllDocuments(m.stdout).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual([
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Secret',
      'Service',
      'Deployment',
      'PodDisruptionBudget',
      'MutatingWebhookConfiguration',
    ]);
    expect(docs.at(-1).webhooks[0].clientConfig.caBundle).toBe(r.stdout.trim());
  });

  it('user errors exit non-zero with a message that says what to do', async () => {
    const [noNames, noCa, badNs, bothSources, noSource, missingKubeconfig, badPort] = await Promise.all([
      cli(['certs', '--out', path.join(dir, 'x')]),
      cli(['manifests', '--namespace', 'garden', '--image', 'i']),
      cli(['manifests', '--namespace', 'Garden', '--image', 'i', '--ca-bundle', '@/nonexistent/ca.crt']),
      cli(['serve', '--kubeconfig', 'k', '--in-cluster', '--tls-cert', 'c', '--tls-key', 'k']),
      cli(['serve', '--tls-cert', 'c', '--tls-key', 'k']),
      cli(['serve', '--kubeconfig', '/nonexistent/kubeconfig', '--tls-cert', 'c', '--tls-key', 'k']),
      cli(['serve', '--kubeconfig', 'k', '--tls-cert', 'c', '--tls-key', 'k', '--port', '70000']),
    ]);
    expect(noNames).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/give --dns <names> or --service <name> --namespace <ns>/) });
    expect(noCa).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/give --ca-bundle <base64> .* or --tls-dir <dir>/) });
    expect(badNs).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/cannot read the CA file \/nonexistent\/ca.crt \(ENOENT\); check --ca-bundle/) });
    expect(bothSources).toMatchObject({ exitCode: 2, stderr: expect.stringMatching(/exactly one of --kubeconfig <path> and --in-cluster/) });
    expect(noSource.exitCode).toBe(2);
    expect(missingKubeconfig).toMatchObject({
      exitCode: 2,
      stderr: expect.stringMatching(/kubeconfig \/nonexistent\/kubeconfig does not exist; check --kubeconfig/),
    });
    expect(badPort.exitCode).toBe(2);
    expect(badPort.stderr).toMatch(/expected an integer from 0 to 65535, got "70000"/);
  });

  it('serve: reads through a kubeconfig, admits a pod, stops on SIGTERM', async () => {
    api.setObject('configmaps', SHOOT_NS, 'istio-internal-load-balancing', { data: { hosts: 'api.example.com', 'istio-namespace': 'istio-ingress' } });
    api.setObject('services', 'istio-ingress', 'istio-ingressgateway-internal', { spec: { clusterIPs: ['10.0.0.10'] } });
    const certs = path.join(dir, 'serve-certs');
    expect((await cli(['certs', '--out', certs, '--dns', 'localhost', '--ip', '127.0.0.1'])).exitCode).toBe(0);
    const kubeconfig = writeFixtureKubeconfig(dir, api);
    const { child, url } = await startServeProcess(
      ['--kubeconfig', kubeconfig, '--tls-cert', path.join(certs, 'tls.crt'), '--tls-key', path.join(certs, 'tls.key'), '--port', '0', '--log-level', 'info'],
      30_000,
    );
    try {
      const c = h1Client(url, fs.readFileSync(path.join(certs, 'ca.crt'), 'utf8'));
      try {
        const body = (
          await c.post('/webhooks/pod-kube-apiserver-load-balancing', JSON.stringify(review(pod({ volumes: [projectedKubeconfigVolume()] }))))
        ).json();
        expect(body.response).toMatchObject({ allowed: true, patchType: 'JSONPatch' });
      } finally {
        c.close();
      }
    } finally {
      child.kill('SIGTERM');
    }
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(String(result.stderr)).toMatch(/"msg":"stopped"/);
  });
});
