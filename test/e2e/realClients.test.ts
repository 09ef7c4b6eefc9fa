// Real clients against the simulated cluster: kubectl (a real client-go binary) through the ClusterIP path and
// through the gateway path, curl for the authentication and header rules, h2load through the gateway VIP.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { MODES } from '../../scripts/cluster/modes.ts';
import { planCluster } from '../../scripts/cluster/plan.ts';
import { sumOf, parsePrometheusText } from '../../scripts/measure/promText.ts';
import { waitFor } from '../../scripts/core/poll.ts';
import { LocalCluster } from '../../scripts/targets/local/localCluster.ts';
import { TOOL_GROUP, writeToolAccess, type PodProxyHandle, type WrittenAccess } from '../../scripts/targets/local/toolAccess.ts';
import { RestClient } from '../../sim/kube/restClient.ts';
import { loadScenarioFile } from '../../scenarios/loader.ts';
import { itWithTool, toolPath } from '../helpers/tools.ts';

const kubectl = (kubeconfig: string, ...args: string[]) =>
  execa(toolPath('kubectl'), ['--kubeconfig', kubeconfig, '--request-timeout=10s', ...args], { reject: false, timeout: 30_000 });
const itWithKubectl = itWithTool('kubectl');
const itWithCurl = itWithTool('curl');
const itWithH2load = itWithTool('h2load');

describe('real clients: kubectl and curl through both paths', () => {
  let cluster: LocalCluster;
  let access: WrittenAccess;
  const proxies: PodProxyHandle[] = [];
  let ns: string;
  /** Watches open on all replicas right now, from their /metrics. */
  const openWatches = async () => {
    const texts = await Promise.all(cluster.replicaMetrics().map((m) => m.scrape()));
    return texts.reduce((sum, text) => sum + sumOf(parsePrometheusText(text), 'apiserver_longrunning_requests', { verb: 'WATCH' }), 0);
  };

  beforeAll(async () => {
    const { scenario } = loadScenarioFile('hot-client');
    cluster = await LocalCluster.start(planCluster(scenario.topology, MODES.l7, 3, { clientGroups: [{ name: TOOL_GROUP }], gateways: 'always' }));
    access = await writeToolAccess(cluster, fs.mkdtempSync(path.join(os.tmpdir(), 'sim-tools-')), proxies);
    ns = cluster.plan.namespace;
    const admin = new RestClient(cluster.shootAdmin);
    for (const name of ['alpha', 'beta']) {
      await admin.apply(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { k: name } });
    }
    admin.close();
  }, 60_000);

  afterAll(async () => {
    for (const p of proxies) await p.close();
    await cluster?.close();
    if (access) fs.rmSync(access.dir, { recursive: true, force: true });
  });

  for (const file of ['clusterip.kubeconfig', 'gateway.kubeconfig']) {
    itWithKubectl(`kubectl get and list configmaps via ${file}`, async () => {
      const list = await kubectl(access.kubeconfigs[file]!, 'get', 'configmaps', '-n', ns, '-o', 'name');
      expect(list.stderr).toBe('');
      expect(list.stdout.split('\n')).toEqual(expect.arrayContaining(['configmap/alpha', 'configmap/beta']));
      const one = await kubectl(access.kubeconfigs[file]!, 'get', 'configmap', 'alpha', '-n', ns, '-o', 'jsonpath={.data.k}');
      expect(one.stdout).toBe('alpha');
      const missing = await kubectl(access.kubeconfigs[file]!, 'get', 'configmap', 'nope', '-n', ns);
      expect(missing.exitCode).not.toBe(0);
      expect(missing.stderr).toMatch(/NotFound|not found/);
    });

    itWithKubectl(`kubectl watch sees a change made while it watches via ${file}`, async () => {
      const name = `watched-${file.split('.')[0]}`;
      const watchesBefore = await openWatches();
      const watch = execa(
        toolPath('kubectl'),
        ['--kubeconfig', access.kubeconfigs[file]!, 'get', 'configmaps', '-n', ns, '--watch-only', '-o', 'name', '--request-timeout=8s'],
        { reject: false, timeout: 30_000 },
      );
      let seen = '';
      watch.stdout?.on('data', (d: Buffer) => {
        seen += String(d);
      });
      await waitFor(async () => (await openWatches()) > watchesBefore, { timeoutMs: 10_000, what: "kubectl's watch to be open on a replica" });
      const admin = new RestClient(cluster.shootAdmin);
      await admin.apply(`/api/v1/namespaces/${ns}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns } });
      admin.close();
      await waitFor(() => seen.includes(`configmap/${name}`), { timeoutMs: 5000, what: 'the change on the watch' }).catch(() => undefined);
      watch.kill('SIGTERM');
      await watch;
      expect(seen).toContain(`configmap/${name}`);
    });
  }

  /** Requests the gateway pods sent to each replica (their default cluster). */
  const perReplica = async () => {
    const out: Record<string, number> = {};
    for (const g of (await cluster.networkStats()).gateways)
      for (const [host, h] of Object.entries(g.clusters.default ?? {})) out[host] = (out[host] ?? 0) + h.requests;
    return out;
  };
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

  itWithKubectl('kubectl create -f of a kind: List with validation on (the default): /openapi/v2 is served, every item created', async () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: ['list-a', 'list-b'].map((name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { k: name } })),
    };
    const file = path.join(access.dir, 'list.json');
    fs.writeFileSync(file, JSON.stringify(list));
    const created = await kubectl(access.kubeconfigs['clusterip.kubeconfig']!, 'create', '-f', file);
    expect({ exitCode: created.exitCode, stderr: created.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(created.stdout.trim().split('\n')).toEqual(['configmap/list-a created', 'configmap/list-b created']);
  });

  itWithKubectl("the gateway path really goes through the gateway (its stats count kubectl's requests)", async () => {
    const before = total(await perReplica());
    const res = await kubectl(access.kubeconfigs['gateway.kubeconfig']!, 'get', 'configmaps', '-n', ns);
    expect(res.exitCode).toBe(0);
    expect(total(await perReplica())).toBeGreaterThan(before);
  });

  itWithH2load('h2load over one HTTP/2 connection through the gateway VIP (the command npm run sim prints) is spread per request', async () => {
    const vip = cluster.plan.services.gatewayInternal;
    const token = fs.readFileSync(path.join(access.dir, 'token'), 'utf8').trim();
    const before = await perReplica();
    const run = await execa(
      toolPath('h2load'),
      [
        '-n',
        '600',
        '-c',
        '1',
        '-m',
        '10',
        '-H',
        `authorization: Bearer ${token}`,
        '--connect-to',
        `${vip.clusterIP}:${vip.listenPort}`,
        `https://${cluster.plan.publicHost}/api/v1/namespaces/${ns}/configmaps`,
      ],
      { reject: false, timeout: 30_000 },
    );
    expect(run.stdout).toMatch(/status codes: 600 2xx/);
    const after = await perReplica();
    const delta = Object.keys(after).map((host) => after[host]! - (before[host] ?? 0));
    expect(delta.reduce((a, b) => a + b, 0)).toBe(600);
    for (const d of delta) expect(d).toBeGreaterThan(120);
  });

  itWithKubectl('a VIP + tls-server-name kubeconfig gets 421 from the gateway (SNI ≠ :authority, Gardener misdirected-requests filter)', async () => {
    const res = await kubectl(access.kubeconfigs['gateway-vip.kubeconfig']!, 'get', 'configmaps', '-n', ns);
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toMatch(/421|Misdirected/);
  });

  itWithCurl('unauthenticated requests get 401, on a replica and through the gateway', async () => {
    const replica = cluster.plan.replicas[0]!;
    const direct = await execa(toolPath('curl'), [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--cacert',
      access.caFile,
      '--resolve',
      `kube-apiserver:${replica.port}:${replica.ip}`,
      `https://kube-apiserver:${replica.port}/api/v1/namespaces/${ns}/configmaps`,
    ]);
    expect(direct.stdout).toBe('401');
    const viaGateway = await execa(toolPath('curl'), [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-x',
      access.proxies[0]!.url,
      '--cacert',
      access.caFile,
      `https://${cluster.plan.publicHost}/api/v1/namespaces/${ns}/configmaps`,
    ]);
    expect(viaGateway.stdout).toBe('401');
  });

  itWithCurl('a client-supplied X-Remote-User never reaches the apiserver: the token identity stands', async () => {
    const review = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    for (const http of ['--http2', '--http1.1']) {
      const res = await execa(toolPath('curl'), [
        '-sS',
        http,
        '-x',
        access.proxies[0]!.url,
        '--cacert',
        access.caFile,
        '-H',
        `Authorization: Bearer ${access.token}`,
        '-H',
        'X-Remote-User: system:admin',
        '-H',
        'X-Remote-Group: system:masters',
        '-H',
        'Content-Type: application/json',
        '-d',
        review,
        `https://${cluster.plan.publicHost}/apis/authentication.k8s.io/v1/selfsubjectreviews`,
      ]);
      const user = JSON.parse(res.stdout).status.userInfo;
      expect(user.username, http).toBe(`system:serviceaccount:kube-system:${TOOL_GROUP}`);
      expect(user.groups ?? [], http).not.toContain('system:masters');
    }
  });

  itWithKubectl('a client certificate through the gateway becomes the front-proxy identity (mTLS path)', async () => {
    const res = await kubectl(access.kubeconfigs['gateway-mtls.kubeconfig']!, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}');
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('system:admin');
  });
});
