// The webhook's reads through @kubernetes/client-node against a real HTTPS apiserver fixture: real JSON shapes,
// Status errors, timeouts, ONE keep-alive agent (connection reuse, counted at the server), and the cache.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ReadError } from '../../webhook/handler.ts';
import { KubeReader, loadKubeConfig } from '../../webhook/kubeReads.ts';
import { startFixtureApiserver, type FixtureApiserver } from '../../scripts/webhookRig/fixtureApiserver.ts';

let api: FixtureApiserver;
const readers: KubeReader[] = [];
const reader = (options: Partial<ConstructorParameters<typeof KubeReader>[0]> = {}) => {
  const r = new KubeReader({ source: { kind: 'inline', server: api.url, caPem: api.caPem, token: api.token }, ...options });
  readers.push(r);
  return r;
};

beforeAll(async () => {
  api = await startFixtureApiserver();
  api.setObject('configmaps', 'shoot--a--b', 'istio-internal-load-balancing', {
    data: { hosts: 'api.b.a.internal.example', 'istio-namespace': 'istio-ingress' },
  });
  api.setObject('services', 'istio-ingress', 'istio-ingressgateway-internal', {
    spec: { type: 'ClusterIP', clusterIP: '10.0.0.10', clusterIPs: ['10.0.0.10', 'fd00::10'], ports: [{ name: 'tcp', port: 443, targetPort: 9443 }] },
  });
});
afterAll(async () => {
  for (const r of readers) r.close();
  await api?.close();
});

describe('KubeReader reads', () => {
  it('gets the ConfigMap and the Service as objects, NotFound as undefined', async () => {
    const r = reader();
    expect((await r.getConfigMap('shoot--a--b', 'istio-internal-load-balancing'))?.data).toEqual({
      hosts: 'api.b.a.internal.example',
      'istio-namespace': 'istio-ingress',
    });
    expect((await r.getService('istio-ingress', 'istio-ingressgateway-internal'))?.spec?.clusterIPs).toEqual(['10.0.0.10', 'fd00::10']);
    expect(await r.getConfigMap('other', 'istio-internal-load-balancing')).toBeUndefined();
    expect(await r.getService('istio-ingress', 'missing')).toBeUndefined();
  });

  it('a Status error keeps its code, reason and message', async () => {
    api.setFault('services', 'rbac', 'istio-ingressgateway-internal', {
      kind: 'status',
      code: 403,
      reason: 'Forbidden',
      message: 'services "istio-ingressgateway-internal" is forbidden: User "x" cannot get resource "services"',
    });
    const error = await reader()
      .getService('rbac', 'istio-ingressgateway-internal')
      .catch((e) => e);
    expect(error).toBeInstanceOf(ReadError);
    expect(error.status).toEqual({
      code: 403,
      reason: 'Forbidden',
      message: 'services "istio-ingressgateway-internal" is forbidden: User "x" cannot get resource "services"',
      details: undefined,
    });
  });

  it('a non-Status 500 becomes a generic InternalError status, like client-go', async () => {
    api.setFault('configmaps', 'broken', 'istio-internal-load-balancing', { kind: 'plain', code: 500, body: 'etcdserver: leader changed' });
    const error = await reader()
      .getConfigMap('broken', 'istio-internal-load-balancing')
      .catch((e) => e);
    expect(error.status).toEqual({
      code: 500,
      reason: 'InternalError',
      message: 'an error on the server ("etcdserver: leader changed") has prevented the request from succeeding (get configmaps istio-internal-load-balancing)',
    });
  });

  it('a wrong token gets the 401 status', async () => {
    const r = new KubeReader({ source: { kind: 'inline', server: api.url, caPem: api.caPem, token: 'wrong' } });
    readers.push(r);
    const error = await r.getConfigMap('shoot--a--b', 'istio-internal-load-balancing').catch((e) => e);
    expect(error).toBeInstanceOf(ReadError);
    expect(error.status.code).toBe(401);
  });

  it('a slow apiserver hits the read timeout: ReadError without status', async () => {
    api.setFault('configmaps', 'slow', 'istio-internal-load-balancing', { kind: 'delay', ms: 1500 });
    const started = Date.now();
    const error = await reader({ timeoutMs: 200 })
      .getConfigMap('slow', 'istio-internal-load-balancing')
      .catch((e) => e);
    expect(error).toBeInstanceOf(ReadError);
    expect(error.status).toBeUndefined();
    expect(error.message).toBe('no answer within 200 ms');
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('an untrusted server certificate fails the read (no silent skip-verify)', async () => {
    const other = await startFixtureApiserver();
    try {
      const r = new KubeReader({ source: { kind: 'inline', server: api.url, caPem: other.caPem, token: api.token } });
      readers.push(r);
      const error = await r.getConfigMap('shoot--a--b', 'istio-internal-load-balancing').catch((e) => e);
      expect(error).toBeInstanceOf(ReadError);
      expect(error.message).toMatch(/certificate|self.signed|verify/i);
    } finally {
      await other.close();
    }
  });
});

describe('connection reuse (one keep-alive agent)', () => {
  it('40 reads (20 sequential, 20 concurrent) use at most maxSockets connections; sequential ones use one', async () => {
    const before = api.stats.connections;
    const r = reader({ maxSockets: 4 });
    for (let i = 0; i < 20; i++) await r.getConfigMap('shoot--a--b', 'istio-internal-load-balancing');
    expect(api.stats.connections - before).toBe(1);
    await Promise.all(Array.from({ length: 20 }, () => r.getService('istio-ingress', 'istio-ingressgateway-internal')));
    expect(api.stats.connections - before).toBeLessThanOrEqual(4);
    expect(r.stats.reads).toBe(40);
  });

  it('control: client-node 1.4.0 without the injected agent opens a connection per call', async () => {
    const kc = loadKubeConfig({ kind: 'inline', server: api.url, caPem: api.caPem, token: api.token });
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const before = api.stats.connections;
    for (let i = 0; i < 5; i++) await core.readNamespacedConfigMap({ namespace: 'shoot--a--b', name: 'istio-internal-load-balancing' });
    expect(api.stats.connections - before).toBe(5);
  });
});

describe('read-through cache', () => {
  it('serves repeated reads (NotFound included) from the cache within the TTL, then reads again', async () => {
    // A fake Date (the cache's clock) and real timers and sockets: the TTL's edge is exact, not a sleep past it.
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    try {
      api.setObject('configmaps', 'cached', 'istio-internal-load-balancing', { data: { hosts: 'h' } });
      const r = reader({ cacheTtlMs: 300 });
      const path = '/api/v1/namespaces/cached/configmaps/istio-internal-load-balancing';
      const missing = '/api/v1/namespaces/cached/services/istio-ingressgateway-internal';
      for (let i = 0; i < 5; i++) {
        expect((await r.getConfigMap('cached', 'istio-internal-load-balancing'))?.data?.hosts).toBe('h');
        expect(await r.getService('cached', 'istio-ingressgateway-internal')).toBeUndefined();
      }
      expect(api.stats.byPath.get(path)).toBe(1);
      expect(api.stats.byPath.get(missing)).toBe(1);
      // Staleness is bounded by the TTL: a change is seen only after it expires.
      api.setObject('configmaps', 'cached', 'istio-internal-load-balancing', { data: { hosts: 'h2' } });
      vi.setSystemTime(1_000_299);
      expect((await r.getConfigMap('cached', 'istio-internal-load-balancing'))?.data?.hosts).toBe('h');
      vi.setSystemTime(1_000_300);
      expect((await r.getConfigMap('cached', 'istio-internal-load-balancing'))?.data?.hosts).toBe('h2');
      expect(api.stats.byPath.get(path)).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('concurrent misses share one read (single flight); errors are not cached', async () => {
    api.setObject('services', 'flight', 'istio-ingressgateway-internal', { spec: { clusterIPs: ['10.1.1.1'] } });
    api.setFault('services', 'flight', 'istio-ingressgateway-internal', { kind: 'delay', ms: 100 });
    const r = reader({ cacheTtlMs: 10_000 });
    const results = await Promise.all(Array.from({ length: 10 }, () => r.getService('flight', 'istio-ingressgateway-internal')));
    expect(results.every((s) => s?.spec?.clusterIPs?.[0] === '10.1.1.1')).toBe(true);
    expect(api.stats.byPath.get('/api/v1/namespaces/flight/services/istio-ingressgateway-internal')).toBe(1);
    expect(r.stats.coalesced).toBe(9);

    api.setFault('configmaps', 'flaky', 'istio-internal-load-balancing', { kind: 'plain', code: 503, body: 'unavailable' });
    await expect(r.getConfigMap('flaky', 'istio-internal-load-balancing')).rejects.toBeInstanceOf(ReadError);
    api.setFault('configmaps', 'flaky', 'istio-internal-load-balancing', undefined);
    expect(await r.getConfigMap('flaky', 'istio-internal-load-balancing')).toBeUndefined();
  });

  it('the cache is bounded', async () => {
    const r = reader({ cacheTtlMs: 60_000, cacheSize: 3 });
    for (let i = 0; i < 5; i++) await r.getConfigMap(`ns-${i}`, 'istio-internal-load-balancing');
    await r.getConfigMap('ns-4', 'istio-internal-load-balancing');
    await r.getConfigMap('ns-0', 'istio-internal-load-balancing');
    expect(r.stats).toMatchObject({ reads: 6, cacheHits: 1 });
  });
});

describe('cluster configuration sources', () => {
  it('reads through a kubeconfig file (certificate-authority file, token, context)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-kubeconfig-'));
    try {
      fs.writeFileSync(path.join(dir, 'ca.crt'), api.caPem);
      fs.writeFileSync(
        path.join(dir, 'kubeconfig'),
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          `- name: seed\n  cluster:\n    server: ${api.url}\n    certificate-authority: ca.crt`,
          '- name: other\n  cluster:\n    server: https://127.0.0.1:1',
          'users:',
          `- name: grm\n  user:\n    token: ${api.token}`,
          'contexts:',
          '- name: seed\n  context:\n    cluster: seed\n    user: grm',
          '- name: other\n  context:\n    cluster: other\n    user: grm',
          'current-context: other',
          '',
        ].join('\n'),
      );
      const r = new KubeReader({ source: { kind: 'kubeconfig', path: path.join(dir, 'kubeconfig'), context: 'seed' } });
      readers.push(r);
      expect((await r.getService('istio-ingress', 'istio-ingressgateway-internal'))?.spec?.clusterIP).toBe('10.0.0.10');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a missing kubeconfig and a plain-http server with a clear message', () => {
    expect(() => new KubeReader({ source: { kind: 'kubeconfig', path: '/nonexistent/kubeconfig' } })).toThrow(
      /kubeconfig \/nonexistent\/kubeconfig does not exist/,
    );
    expect(() => new KubeReader({ source: { kind: 'inline', server: 'http://127.0.0.1:1', caPem: api.caPem, token: 't' } })).toThrow(/must be https/);
  });
});
