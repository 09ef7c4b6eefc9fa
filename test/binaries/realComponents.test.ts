// Smoke tests of the real upstream components that `npm run binaries` builds or fetches (docs/binaries.md): the real
// kube-apiserver starts against the real etcd on loopback and answers /readyz and /version with its pinned version;
// the kind target's kube-apiserver command line for every mode parses in the real binary; Envoy starts from a minimal
// bootstrap and proxies one request. Every process is stopped and every directory removed afterwards.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect } from 'vitest';
import { loadScenarioFile } from '../../scenarios/loader.ts';
import { planCluster } from '../../scripts/cluster/plan.ts';
import { MODES } from '../../scripts/cluster/modes.ts';
import { KUBERNETES_VERSION } from '../../scripts/binaries/versions.ts';
import { startEnvoy, type EnvoyProcess } from '../../scripts/targets/binary/envoyProcess.ts';
import { startEtcd, type EtcdMember } from '../../scripts/targets/binary/etcdMember.ts';
import { freePort } from '../../scripts/targets/binary/freePort.ts';
import { startKubeApiserver, type KubeApiserverProcess } from '../../scripts/targets/binary/kubeApiserverProcess.ts';
import { kubeApiserverFlags } from '../../scripts/targets/kind/manifests/controlPlane.ts';
import { resolveKindOptions } from '../../scripts/targets/kind/options.ts';
import { planForKind } from '../../scripts/targets/kind/plans.ts';
import { binaryPath, itWithBinaries } from '../helpers/binaries.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'real-components-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function etcdOnLoopback(dir: string): Promise<EtcdMember> {
  const etcd = await startEtcd({
    binary: binaryPath('etcd'),
    name: 'etcd-smoke',
    host: '127.0.0.1',
    clientPort: await freePort(),
    peerPort: await freePort(),
    dataDir: path.join(dir, 'etcd'),
    logFile: path.join(dir, 'etcd.log'),
  });
  cleanups.push(async () => void (await etcd.process.stop()));
  return etcd;
}

/** envtest's minimal kube-apiserver (controller-runtime pkg/internal/testing/controlplane/apiserver.go), plus a token. */
async function kubeApiserverOnLoopback(dir: string, etcd: EtcdMember): Promise<KubeApiserverProcess> {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  fs.writeFileSync(path.join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  fs.writeFileSync(path.join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  fs.writeFileSync(path.join(dir, 'tokens.csv'), 'smoke-token,smoke-admin,smoke-admin,"system:masters"\n');
  const port = await freePort();
  const apiserver = await startKubeApiserver({
    name: 'kube-apiserver-smoke',
    binary: binaryPath('kube-apiserver'),
    url: `https://127.0.0.1:${port}`,
    logFile: path.join(dir, 'kube-apiserver.log'),
    args: [
      `--etcd-servers=${etcd.clientUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${path.join(dir, 'certs')}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.96.0.0/24',
      '--authorization-mode=RBAC',
      `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
      // The default/kubernetes Endpoints may not hold a loopback address (kubernetes#28723): no reconciler on loopback.
      '--endpoint-reconciler-type=none',
      '--disable-admission-plugins=ServiceAccount',
    ],
  });
  cleanups.push(() => apiserver.close());
  return apiserver;
}

describe('the real kube-apiserver and etcd', () => {
  itWithBinaries('etcd', 'kube-apiserver')(
    'kube-apiserver starts against etcd on loopback, is ready, reports its pinned version and serves an authenticated request',
    async () => {
      const dir = tempDir();
      const etcd = await etcdOnLoopback(dir);
      const apiserver = await kubeApiserverOnLoopback(dir, etcd);
      expect(await apiserver.get('/readyz')).toEqual({ status: 200, body: 'ok' });
      const version = JSON.parse((await apiserver.get('/version')).body) as { gitVersion: string; major: string; minor: string };
      expect(version).toMatchObject({ gitVersion: KUBERNETES_VERSION, major: '1', minor: '34' });
      const anonymous = await apiserver.get('/api/v1/namespaces');
      expect(anonymous.status).toBe(403);
      const namespaces = await apiserver.get('/api/v1/namespaces', { authorization: 'Bearer smoke-token' });
      expect(namespaces.status).toBe(200);
      expect((JSON.parse(namespaces.body) as { items: { metadata: { name: string } }[] }).items.map((n) => n.metadata.name)).toContain('default');
      // The replica's own /metrics are what the runner reads: the request above was counted.
      const metrics = await apiserver.get('/metrics', { authorization: 'Bearer smoke-token' });
      expect(metrics.body).toMatch(/apiserver_request_total\{[^}]*resource="namespaces"[^}]*verb="LIST"[^}]*\} [1-9]/);
    },
    90_000,
  );

  itWithBinaries('kube-apiserver')("parses the kind target's kube-apiserver command line in every mode", async () => {
    const { scenario } = loadScenarioFile('goaway');
    const options = resolveKindOptions({});
    for (const mode of ['direct', 'l7', 'passthrough', 'goaway'] as const) {
      const plan = planForKind(planCluster(scenario.topology, MODES[mode], 1, { clientGroups: scenario.clients }), options);
      // The kubelet expands $(POD_IP) from the container's environment before it starts the process.
      const flags = kubeApiserverFlags(plan).map((f) => f.replace('$(POD_IP)', '10.1.2.3'));
      // cobra parses every flag before it prints the help: an unknown flag or a bad value fails here.
      const result = await execa(binaryPath('kube-apiserver'), [...flags, '--help'], { reject: false, timeout: 30_000 });
      expect(result.exitCode, `${mode}: ${result.stderr.split('\n')[0]}`).toBe(0);
    }
    const bogus = await execa(binaryPath('kube-apiserver'), ['--no-such-flag=1', '--help'], { reject: false, timeout: 30_000 });
    expect(bogus.exitCode).toBe(1);
    expect(bogus.stderr).toContain('unknown flag: --no-such-flag');
  });
});

describe('the real Envoy', () => {
  itWithBinaries('envoy')('starts from a minimal bootstrap and proxies one request to an upstream', async () => {
    const dir = tempDir();
    const upstream = http.createServer((req, res) => res.end(`upstream saw ${req.method} ${req.url} host=${req.headers.host}`));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
    const upstreamPort = (upstream.address() as { port: number }).port;
    const [listenerPort, adminPort] = [await freePort(), await freePort()];
    const envoy: EnvoyProcess = await startEnvoy({
      name: 'envoy-smoke',
      binary: binaryPath('envoy'),
      workDir: dir,
      adminAddress: `127.0.0.1:${adminPort}`,
      concurrency: 1,
      baseId: 9_000 + (process.pid % 1_000),
      bootstrap: minimalProxyBootstrap(listenerPort, adminPort, upstreamPort),
    });
    cleanups.push(() => envoy.close());
    const response = await fetch(`http://127.0.0.1:${listenerPort}/smoke?x=1`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(`upstream saw GET /smoke?x=1 host=127.0.0.1:${listenerPort}`);
    expect(response.headers.get('x-envoy-upstream-service-time')).toMatch(/^\d+$/);
    const stats = await envoy.admin('/stats?filter=^cluster\\.upstream\\.upstream_rq_total$');
    expect(stats.body.trim()).toBe('cluster.upstream.upstream_rq_total: 1');
  });
});

function minimalProxyBootstrap(listenerPort: number, adminPort: number, upstreamPort: number): object {
  const address = (port: number) => ({ socket_address: { address: '127.0.0.1', port_value: port } });
  return {
    admin: { address: address(adminPort) },
    static_resources: {
      listeners: [
        {
          name: 'smoke',
          address: address(listenerPort),
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'smoke',
                    route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'upstream' } }] }] },
                    http_filters: [
                      { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        {
          name: 'upstream',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: { cluster_name: 'upstream', endpoints: [{ lb_endpoints: [{ endpoint: { address: address(upstreamPort) } }] }] },
        },
      ],
    },
  };
}
