// The execa wrapper (scripts/targets/kind/tools.ts) against the real kubectl binary where no cluster is needed, and
// against binaries that are not there; the prerequisite check's version parsing with real outputs.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODES } from '../../../scripts/cluster/modes.ts';
import { planCluster } from '../../../scripts/cluster/plan.ts';
import { issueCertificates, issuedPems } from '../../../scripts/cluster/certificates.ts';
import { generateRuntimeSecrets } from '../../../scripts/targets/kind/manifests/common.ts';
import { kubeApiserverDeployment, etcdObjects } from '../../../scripts/targets/kind/manifests/controlPlane.ts';
import { resolveKindOptions } from '../../../scripts/targets/kind/options.ts';
import {
  checkClusterReachable,
  checkPrerequisites,
  compareVersions,
  parseKubectlClientVersion,
  probeTool,
  VERSION_PROBES,
} from '../../../scripts/targets/kind/prerequisites.ts';
import { manifestsYaml } from '../../../scripts/targets/kind/steps.ts';
import { execaRunner, shellQuote, TOOL_INSTALL_HINTS, ToolFailedError, ToolNotFoundError, type ToolRunner } from '../../../scripts/targets/kind/tools.ts';
import { Scenario } from '../../../scenarios/schema.ts';
import { itWithTool, toolPath } from '../../helpers/tools.ts';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-tools-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('execaRunner with the real kubectl', () => {
  itWithTool('kubectl')('runs `kubectl version --client -o json` and the probe reads its version', async () => {
    const runner = execaRunner({ paths: { kubectl: toolPath('kubectl') } });
    const result = await runner.run('kubectl', VERSION_PROBES.kubectl.args, { timeoutMs: 20_000 });
    expect(result.exitCode).toBe(0);
    expect(result.command).toBe('kubectl version --client -o json');
    const version = parseKubectlClientVersion(result.stdout);
    expect(version).toMatch(/^1\.\d+\.\d+$/);
    expect(await probeTool(runner, 'kubectl')).toEqual({ tool: 'kubectl', ok: true, version });
  });

  itWithTool('kubectl')('builds a kustomization of rendered manifests (`kubectl kustomize`): the objects come back whole', async () => {
    const plan = planCluster(Scenario.parse({ name: 't', clients: [{ name: 'c', rate: 1 }] }).topology, MODES.l7, 3, { clientGroups: [{ name: 'c' }] });
    const ctx = { plan, pems: issuedPems(await issueCertificates(plan.certificates)), secrets: generateRuntimeSecrets(), options: resolveKindOptions() };
    const objects = [...etcdObjects(ctx), kubeApiserverDeployment(ctx)];
    const dir = path.join(tmp, 'kustomize');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'control-plane.yaml'), manifestsYaml(objects));
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'resources:\n- control-plane.yaml\nnamespace: shoot--renamed\n');
    const runner = execaRunner({ paths: { kubectl: toolPath('kubectl') } });
    const result = await runner.run('kubectl', ['kustomize', dir], { timeoutMs: 30_000 });
    const built = parseAllDocuments(result.stdout).map((d) => d.toJS());
    expect(built.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['Deployment/etcd', 'Deployment/kube-apiserver', 'Service/etcd']);
    expect(built.every((o) => o.metadata.namespace === 'shoot--renamed')).toBe(true);
    const apiserver = built.find((o) => o.metadata.name === 'kube-apiserver');
    expect(apiserver.spec.template.spec.containers[0].args).toEqual((objects[2] as any).spec.template.spec.containers[0].args);
  });

  itWithTool('kubectl')('renders with `kubectl create --dry-run=client -o yaml` (input on stdin, no cluster)', async () => {
    const runner = execaRunner({ paths: { kubectl: toolPath('kubectl') } });
    const result = await runner.run('kubectl', ['create', 'secret', 'generic', 'probe', '--from-literal=token=abc', '--dry-run=client', '-o', 'yaml'], {
      timeoutMs: 20_000,
    });
    const secret = parseAllDocuments(result.stdout)[0]!.toJS();
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'probe' }, data: { token: Buffer.from('abc').toString('base64') } });
  });

  itWithTool('kubectl')('a failing call names the command, its exit code and its stderr', async () => {
    const runner = execaRunner({ paths: { kubectl: toolPath('kubectl') } });
    const error = await runner.run('kubectl', ['version', '--client', '--output=bogus'], { timeoutMs: 30_000 }).catch((e) => e);
    expect(error).toBeInstanceOf(ToolFailedError);
    expect(error.reason).toBe('exit');
    expect(error.result.exitCode).toBe(1);
    expect(error.message).toMatch(/^`kubectl version --client --output=bogus` exited with code 1:\n/);
    expect(error.result.stderr).toMatch(/bogus|output/);
  });

  itWithTool('kubectl')('a call that outlives its timeout is killed and says so', async () => {
    const runner = execaRunner({ paths: { kubectl: toolPath('kubectl') } });
    // `kubectl proxy` serves until it is stopped (it contacts the server only per request); 1 s is the bound here.
    const kubeconfig = path.join(tmp, 'proxy.kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n',
    );
    const started = performance.now();
    const error = await runner.run('kubectl', ['proxy', '--port=0', '--address=127.0.0.1', `--kubeconfig=${kubeconfig}`], { timeoutMs: 1_000 }).catch((e) => e);
    expect(error).toBeInstanceOf(ToolFailedError);
    expect(error.reason).toBe('timeout');
    expect(error.message).toMatch(/^`kubectl proxy .*` timed out after 1 s/);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  itWithTool('kubectl')(
    'preflight reachability: a server that answers /readyz passes, a closed port is a problem naming the flags and what to do',
    async () => {
      const runner = execaRunner({ paths: { kubectl: toolPath('kubectl') } });
      const server = http.createServer((req, res) => {
        res.writeHead(req.url?.startsWith('/readyz') ? 200 : 404, { 'content-type': 'text/plain' });
        res.end(req.url?.startsWith('/readyz') ? 'ok' : 'not found');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const port = (server.address() as AddressInfo).port;
        const kubeconfigFor = (name: string, server: string) => {
          const file = path.join(tmp, `${name}.kubeconfig`);
          fs.writeFileSync(
            file,
            `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${server}"}}]\nusers: [{name: u, user: {token: probe}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`,
          );
          return file;
        };
        const up = kubeconfigFor('up', `http://127.0.0.1:${port}`);
        expect(await checkClusterReachable(runner, ['--kubeconfig', up], 'advice')).toBeUndefined();
        const down = kubeconfigFor('down', 'https://127.0.0.1:1');
        const problem = await checkClusterReachable(runner, ['--kubeconfig', down], 'pass --kubeconfig of a running cluster');
        expect(problem).toContain(`kubectl cannot reach the cluster (--kubeconfig ${down}): `);
        expect(problem).toMatch(/refused/);
        expect(problem).toMatch(/; pass --kubeconfig of a running cluster$/);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    },
  );

  itWithTool('kubectl')('spawn: a process that exits before its ready line is an error with its output', async () => {
    const runner = execaRunner({ paths: { kubectl: toolPath('kubectl') } });
    const error = await runner
      .spawn('kubectl', ['port-forward', 'pod/nothing', ':443', '--server=https://127.0.0.1:1', '--insecure-skip-tls-verify'], {
        readyLine: /Forwarding from/,
        timeoutMs: 20_000,
      })
      .catch((e) => e);
    expect(error.message).toMatch(/exited before it was ready/);
  });
});

describe('missing binaries', () => {
  it('a tool that is not on PATH fails with the official way to install it', async () => {
    const runner = execaRunner({ env: { PATH: tmp } });
    for (const tool of ['kind', 'helm', 'istioctl'] as const) {
      const error = await runner.run(tool, ['version'], { timeoutMs: 5_000 }).catch((e) => e);
      expect(error).toBeInstanceOf(ToolNotFoundError);
      expect(error.message).toBe(`${tool} not found on PATH; install it: ${TOOL_INSTALL_HINTS[tool]}`);
    }
    expect(TOOL_INSTALL_HINTS.kind).toContain('https://kind.sigs.k8s.io/');
    expect(TOOL_INSTALL_HINTS.helm).toContain('https://helm.sh/');
    expect(TOOL_INSTALL_HINTS.istioctl).toContain('https://istio.io/');
  });

  it('a configured path that does not exist is reported the same way', async () => {
    const runner = execaRunner({ paths: { kubectl: path.join(tmp, 'no-such-kubectl') } });
    await expect(runner.run('kubectl', ['version'], { timeoutMs: 5_000 })).rejects.toThrow(ToolNotFoundError);
  });

  it('cluster:up prerequisites say exactly what is missing and how to get it', async () => {
    const report = await checkPrerequisites(execaRunner({ env: { PATH: tmp } }), 'cluster-up');
    expect(report.ok).toBe(false);
    expect(report.tools.map((t) => [t.tool, t.ok])).toEqual([
      ['docker', false],
      ['kind', false],
      ['kubectl', false],
      ['helm', false],
      ['istioctl', false],
    ]);
    // /usr/local/bin is searched besides PATH, so docker may be found there: then it is the daemon that is missing.
    expect(report.problems.some((p) => p.includes(TOOL_INSTALL_HINTS.kind))).toBe(true);
    expect(report.problems.at(-1)).toMatch(/^neither helm nor istioctl is usable/);
  });
});

describe('prerequisite parsing', () => {
  const fake = (outputs: Record<string, { stdout?: string; fail?: string }>): ToolRunner => ({
    async run(tool, args) {
      const out = outputs[tool];
      const command = [tool, ...args].join(' ');
      if (!out) throw new ToolNotFoundError(tool);
      if (out.fail) throw new ToolFailedError({ command, exitCode: 1, stdout: '', stderr: out.fail, durationMs: 1 }, 'exit', 1000);
      return { command, exitCode: 0, stdout: out.stdout ?? '', stderr: '', durationMs: 1 };
    },
    spawn: () => Promise.reject(new Error('not here')),
  });

  it('reads the real version outputs of each tool', () => {
    expect(VERSION_PROBES.kind.parse('kind v0.30.0 go1.24.6 linux/amd64\n')).toBe('0.30.0');
    expect(VERSION_PROBES.helm.parse('v3.16.2+g13654a5\n')).toBe('3.16.2');
    expect(VERSION_PROBES.istioctl.parse('client version: 1.29.6\n')).toBe('1.29.6');
    expect(VERSION_PROBES.docker.parse('28.2.2\n')).toBe('28.2.2');
    expect(parseKubectlClientVersion('{"clientVersion":{"gitVersion":"v1.32.4-dispatcher","major":"1","minor":"32"}}')).toBe('1.32.4');
    expect(parseKubectlClientVersion('not json')).toBeUndefined();
    expect(compareVersions('0.30.0', '0.9.9')).toBe(1);
    expect(compareVersions('3.14.0', '3.14')).toBe(0);
  });

  it('an unreachable Docker daemon, an old kind and istioctl in place of helm', async () => {
    const report = await checkPrerequisites(
      fake({
        docker: { fail: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' },
        kind: { stdout: 'kind v0.20.0 go1.20.4 linux/amd64' },
        kubectl: { stdout: '{"clientVersion":{"gitVersion":"v1.34.1"}}' },
        istioctl: { stdout: '1.29.6' },
      }),
      'cluster-up',
    );
    expect(report.istioInstaller).toBe('istioctl');
    expect(report.problems).toEqual([
      `the Docker daemon is not reachable (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?); start it or fix DOCKER_HOST: ${TOOL_INSTALL_HINTS.docker}`,
      `kind 0.20.0 is older than 0.30.0; upgrade: ${TOOL_INSTALL_HINTS.kind}`,
    ]);
    const ok = await checkPrerequisites(fake({ kubectl: { stdout: '{"clientVersion":{"gitVersion":"v1.34.1"}}' } }), 'cluster-run');
    expect(ok).toMatchObject({ ok: true, problems: [] });
  });

  it('a run on kind without Docker names Docker (kind finds its nodes through it)', async () => {
    const kindAndKubectl = { kind: { stdout: 'kind v0.30.0 go1.24.6 linux/amd64' }, kubectl: { stdout: '{"clientVersion":{"gitVersion":"v1.34.1"}}' } };
    const run = await checkPrerequisites(fake(kindAndKubectl), 'kind-run');
    expect(run.problems).toEqual([`docker not found on PATH; install it: ${TOOL_INSTALL_HINTS.docker}`]);
    const down = await checkPrerequisites(fake({ ...kindAndKubectl, docker: { fail: 'Cannot connect to the Docker daemon' } }), 'cluster-down');
    expect(down.problems).toEqual([
      `the Docker daemon is not reachable (Cannot connect to the Docker daemon); start it or fix DOCKER_HOST: ${TOOL_INSTALL_HINTS.docker}`,
    ]);
  });

  it('quotes printed arguments for a shell', () => {
    expect(shellQuote('--replicas=3')).toBe('--replicas=3');
    expect(shellQuote('{"a": 1}')).toBe(`'{"a": 1}'`);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
