// The simulated kube-apiserver's API behaviour over real TLS/HTTP2: authentication, the REST surface, the shared
// store, watch semantics, and a real kubectl against it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http2 from 'node:http2';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderKubeconfig } from '../../scripts/cluster/kubeconfig.ts';
import { waitFor } from '../../scripts/core/poll.ts';
import { ADMIN_TOKEN, openWatches, startTestControlPlane, USER_TOKEN, type TestControlPlane } from '../helpers/controlPlane.ts';
import { itWithTool, toolPath } from '../helpers/tools.ts';
import { connect, h2request } from '../helpers/h2.ts';

describe('simulated kube-apiserver: API', () => {
  let cp: TestControlPlane;
  let s0: http2.ClientHttp2Session;
  let s1: http2.ClientHttp2Session;
  const opts = () => ({ ca: cp.pki.authorities.ca.certPem, servername: 'kube-apiserver' });
  const req = (s: http2.ClientHttp2Session, method: string, p: string, body?: unknown, token = ADMIN_TOKEN, extra: Record<string, string> = {}) =>
    h2request(
      s,
      { ':method': method, ':path': p, authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra },
      body === undefined ? undefined : JSON.stringify(body),
    );

  beforeAll(async () => {
    cp = await startTestControlPlane();
    s0 = await connect(cp.urls[0]!, opts());
    s1 = await connect(cp.urls[1]!, opts());
  });
  afterAll(async () => {
    s0?.close();
    s1?.close();
    await cp?.close();
  });

  it('answers 401 with a Status without credentials, and carries Audit-Id on every response', async () => {
    const res = await h2request(s0, { ':method': 'GET', ':path': '/api/v1/namespaces/default/configmaps' });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect(res.headers['audit-id']).toMatch(/^[0-9a-f-]{36}$/);
    const wrong = await req(s0, 'GET', '/api/v1/namespaces/default/configmaps', undefined, 'wrong-token');
    expect(wrong.status).toBe(401);
    expect((await h2request(s0, { ':method': 'GET', ':path': '/readyz' })).body).toBe('ok');
  });

  it('serves discovery', async () => {
    const core = JSON.parse((await req(s0, 'GET', '/api/v1')).body);
    expect(core.resources.find((r: { name: string }) => r.name === 'configmaps')).toMatchObject({ kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] });
    const groups = JSON.parse((await req(s0, 'GET', '/apis')).body);
    expect(groups.groups.map((g: { name: string }) => g.name)).toContain('coordination.k8s.io');
  });

  it('creates on one replica and reads on another (one shared store), with real error Statuses', async () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'shared', labels: { app: 'x' } }, data: { a: '1' } };
    const created = await req(s0, 'POST', '/api/v1/namespaces/default/configmaps', cm);
    expect(created.status).toBe(201);
    const rv = JSON.parse(created.body).metadata.resourceVersion;
    const read = JSON.parse((await req(s1, 'GET', '/api/v1/namespaces/default/configmaps/shared')).body);
    expect(read).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'shared', namespace: 'default', resourceVersion: rv }, data: { a: '1' } });
    expect(JSON.parse((await req(s1, 'POST', '/api/v1/namespaces/default/configmaps', cm)).body)).toMatchObject({
      reason: 'AlreadyExists',
      code: 409,
      message: 'configmaps "shared" already exists',
    });
    expect(JSON.parse((await req(s1, 'GET', '/api/v1/namespaces/default/configmaps/nope')).body)).toMatchObject({
      reason: 'NotFound',
      code: 404,
      message: 'configmaps "nope" not found',
    });
    const stale = await req(s1, 'PUT', '/api/v1/namespaces/default/configmaps/shared', { ...cm, metadata: { ...cm.metadata, resourceVersion: '1' } });
    expect(JSON.parse(stale.body)).toMatchObject({ reason: 'Conflict', code: 409 });
    const unconditional = await req(s1, 'PUT', '/api/v1/namespaces/default/configmaps/shared', { ...cm, data: { a: '2' } });
    expect(unconditional.status).toBe(200);
    expect(Number(JSON.parse(unconditional.body).metadata.resourceVersion)).toBeGreaterThan(Number(rv));
    const invalid = await req(s0, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: {} });
    expect(JSON.parse(invalid.body)).toMatchObject({ reason: 'Invalid', code: 422 });
    expect((await req(s0, 'POST', '/api/v1/namespaces/default/configmaps', undefined, ADMIN_TOKEN)).status).toBe(400);
    expect((await req(s0, 'GET', '/api/v1/namespaces/default/widgets')).status).toBe(404);
  });

  it('lists with selectors, limit/continue, and across namespaces', async () => {
    for (const [ns, name, app] of [
      ['a', 'one', 'web'],
      ['a', 'two', 'db'],
      ['b', 'three', 'web'],
    ] as const) {
      await req(s0, 'POST', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`, { metadata: { name, labels: { app } }, spec: { holderIdentity: name } });
    }
    const web = JSON.parse((await req(s1, 'GET', '/apis/coordination.k8s.io/v1/leases?labelSelector=app%3Dweb')).body);
    expect(web.kind).toBe('LeaseList');
    expect(web.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['one', 'three']);
    expect(JSON.parse((await req(s1, 'GET', '/apis/coordination.k8s.io/v1/namespaces/a/leases?labelSelector=app+in+(db,x)')).body).items).toHaveLength(1);
    const page1 = JSON.parse((await req(s0, 'GET', '/apis/coordination.k8s.io/v1/leases?limit=2')).body);
    expect(page1.items).toHaveLength(2);
    const page2 = JSON.parse((await req(s0, 'GET', `/apis/coordination.k8s.io/v1/leases?limit=2&continue=${page1.metadata.continue}`)).body);
    expect(page2.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['three']);
    expect(page2.metadata.continue).toBeUndefined();
    const byName = JSON.parse((await req(s0, 'GET', '/apis/coordination.k8s.io/v1/leases?fieldSelector=metadata.name%3Dtwo')).body);
    expect(byName.items).toHaveLength(1);
    expect((await req(s0, 'GET', '/apis/coordination.k8s.io/v1/leases?labelSelector=%3D%3D')).status).toBe(400);
  });

  it('patches (merge and json patch) and deletes', async () => {
    await req(s0, 'POST', '/api/v1/namespaces/p/configmaps', { metadata: { name: 'pt' }, data: { a: '1', b: '2' } });
    const merged = await req(s1, 'PATCH', '/api/v1/namespaces/p/configmaps/pt', { data: { b: null, c: '3' } }, ADMIN_TOKEN, {
      'content-type': 'application/merge-patch+json',
    });
    expect(JSON.parse(merged.body).data).toEqual({ a: '1', c: '3' });
    const jp = await req(s1, 'PATCH', '/api/v1/namespaces/p/configmaps/pt', [{ op: 'replace', path: '/data/a', value: 'x' }], ADMIN_TOKEN, {
      'content-type': 'application/json-patch+json',
    });
    expect(JSON.parse(jp.body).data.a).toBe('x');
    const deleted = await req(s0, 'DELETE', '/api/v1/namespaces/p/configmaps/pt');
    expect(JSON.parse(deleted.body)).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'pt' } });
    expect((await req(s0, 'GET', '/api/v1/namespaces/p/configmaps/pt')).status).toBe(404);
  });

  it('watch: synthetic ADDED, changes from another replica, resume from a resourceVersion, 410 when too old', async () => {
    await req(s0, 'POST', '/api/v1/namespaces/w/configmaps', { metadata: { name: 'w1' } });
    const list = JSON.parse((await req(s0, 'GET', '/api/v1/namespaces/w/configmaps')).body);
    const events: { type: string; object: { metadata: { name: string; resourceVersion: string } } }[] = [];
    const stream = s1.request({
      ':method': 'GET',
      ':path': '/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=0',
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    let buffer = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line) events.push(JSON.parse(line));
    });
    const eventsArrived = (n: number) => waitFor(() => events.length >= n, { timeoutMs: 2000, what: `${n} watch events` });
    await eventsArrived(1);
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'w1' } } });
    await req(s0, 'POST', '/api/v1/namespaces/w/configmaps', { metadata: { name: 'w2' } });
    await req(s0, 'DELETE', '/api/v1/namespaces/w/configmaps/w1');
    await eventsArrived(3);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w1', 'ADDED w2', 'DELETED w1']);
    stream.close();

    // Resume after the list: exactly the two changes that followed it.
    const resumed = await new Promise<string>((resolve) => {
      const s = s0.request({
        ':method': 'GET',
        ':path': `/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=1`,
        authorization: `Bearer ${ADMIN_TOKEN}`,
      });
      let text = '';
      s.setEncoding('utf8');
      s.on('data', (c: string) => {
        text += c;
      });
      s.on('end', () => resolve(text));
    });
    expect(
      resumed
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(['ADDED', 'DELETED']);

    const expired = await req(s0, 'GET', '/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=5');
    expect(JSON.parse(expired.body.trim())).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  });

  it('front-proxy headers count only on connections with a front-proxy client certificate', async () => {
    const review = { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' };
    const spoofed = await req(s0, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', review, USER_TOKEN, {
      'x-remote-user': 'system:admin',
      'x-remote-group': 'system:masters',
    });
    expect(JSON.parse(spoofed.body).status.userInfo).toMatchObject({ username: 'alice', groups: ['dev', 'system:authenticated'] });

    const proxy = await connect(cp.urls[0]!, {
      ...opts(),
      cert: cp.pki.certificates['istio-gateway-client'].certPem,
      key: cp.pki.certificates['istio-gateway-client'].keyPem,
    });
    const asProxy = await h2request(
      proxy,
      { ':method': 'POST', ':path': '/apis/authentication.k8s.io/v1/selfsubjectreviews', 'x-remote-user': 'bob', 'x-remote-group': 'ops' },
      JSON.stringify(review),
    );
    expect(JSON.parse(asProxy.body).status.userInfo).toMatchObject({ username: 'bob', groups: ['ops', 'system:authenticated'] });
    proxy.close();

    const client = await connect(cp.urls[0]!, {
      ...opts(),
      cert: cp.pki.certificates['admin-client'].certPem,
      key: cp.pki.certificates['admin-client'].keyPem,
    });
    const asClient = await h2request(
      client,
      { ':method': 'POST', ':path': '/apis/authentication.k8s.io/v1/selfsubjectreviews', 'x-remote-user': 'bob' },
      JSON.stringify(review),
    );
    expect(JSON.parse(asClient.body).status.userInfo).toMatchObject({ username: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
    client.close();
  });

  itWithTool('kubectl')('works with a real kubectl: create, get, list, apply, label, watch, whoami, delete', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      renderKubeconfig({ contextName: 'sim', server: cp.urls[1]!, tlsServerName: 'kube-apiserver', caPem: cp.pki.authorities.ca.certPem, token: USER_TOKEN }),
    );
    fs.writeFileSync(path.join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kc\n  namespace: kube\ndata:\n  k: v\n');
    const k = (...args: string[]) => execa(toolPath('kubectl'), ['--kubeconfig', kubeconfig, '--request-timeout=10s', ...args], { reject: false });
    expect((await k('create', '-f', path.join(dir, 'cm.yaml'))).stdout).toBe('configmap/kc created');
    expect((await k('get', 'cm', '-n', 'kube')).stdout).toMatch(/^NAME\s+DATA\s+AGE\nkc\s+1\s+\d+s$/);
    expect((await k('apply', '-f', path.join(dir, 'cm.yaml'))).stdout).toBe('configmap/kc configured');
    expect((await k('label', 'cm', 'kc', '-n', 'kube', 'tier=x')).stdout).toBe('configmap/kc labeled');
    expect((await k('get', 'cm', '-A', '-l', 'tier=x', '-o', 'name')).stdout).toBe('configmap/kc');
    expect((await k('auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}')).stdout).toBe('alice');
    const watchesBefore = await openWatches(cp);
    const watch = k('get', 'cm', '-n', 'kube', '-w', '-o', 'name', '--request-timeout=3s');
    await waitFor(async () => (await openWatches(cp)) > watchesBefore, { timeoutMs: 3000, what: "kubectl's watch" });
    await k('annotate', 'cm', 'kc', '-n', 'kube', 'seen=yes');
    expect((await watch).stdout.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(2);
    expect((await k('delete', 'cm', 'kc', '-n', 'kube')).stdout).toBe('configmap "kc" deleted');
    expect((await k('get', 'cm', 'kc', '-n', 'kube')).stderr).toMatch(/NotFound/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
