// The load client that runs in the kind target's client pods: its image copies every module it loads, its pod
// network is the system resolver (systemPodNetwork), it reads the generic kubeconfig from the projected volume, and
// over its control port it warms up, runs the client-go profile against a real (simulated) kube-apiserver and reports
// a ClientRunResult.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scenario } from '../../../scenarios/schema.ts';
import { renderKubeconfig } from '../../../scripts/cluster/kubeconfig.ts';
import { pollUntil } from '../../../scripts/runner/poll.ts';
import { podSpecFromEnvironment, prepareWithRetries, serveLoadClient } from '../../../scripts/targets/kind/loadClient/main.ts';
import { controlPath, CONTROL_PATHS, parseLoadClientSpec, parseRunRequest, podProxyPath } from '../../../scripts/targets/kind/loadClient/protocol.ts';
import { loadClientSpec } from '../../../scripts/targets/kind/manifests/workloads.ts';
import { systemPodNetwork } from '../../../sim/clients/podNetwork.ts';
import type { ClientPodSpec, ClientRunResult } from '../../../sim/clients/types.ts';
import { ADMIN_TOKEN, startTestControlPlane, type TestControlPlane } from '../../helpers/controlPlane.ts';
import { expectImageHoldsModules, importClosure, readDockerfile } from '../../helpers/dockerImage.ts';

const LOAD_CLIENT = 'scripts/targets/kind/loadClient';

describe('load-client image', () => {
  it('copies every module the entry loads, and the build context includes them', () => {
    const modules = importClosure(`${LOAD_CLIENT}/main.ts`);
    expect(modules).toEqual(
      expect.arrayContaining(['sim/clients/clientGoPod.ts', 'sim/clients/http1PoolPod.ts', 'sim/clients/podNetwork.ts', `${LOAD_CLIENT}/protocol.ts`]),
    );
    expectImageHoldsModules(`${LOAD_CLIENT}/Dockerfile`, modules);
    const dockerfile = readDockerfile(`${LOAD_CLIENT}/Dockerfile`);
    expect(dockerfile).toMatch(/ENTRYPOINT \["\/nodejs\/bin\/node", "--import", "tsx", "scripts\/targets\/kind\/loadClient\/main\.ts"\]/);
  });
});

describe('systemPodNetwork', () => {
  const pod = { name: 'p', namespace: 'ns', ip: '10.244.1.7' } as ClientPodSpec;
  it('resolves through the system resolver (/etc/hosts first), passes IP literals, binds no source address', async () => {
    const network = systemPodNetwork();
    const local = await network.resolve(pod, 'localhost', 443);
    expect(local).toMatchObject({ port: 443 });
    expect(['127.0.0.1', '::1']).toContain((local as { ip: string }).ip);
    expect(await network.resolve(pod, '10.96.0.1', 443)).toEqual({ ip: '10.96.0.1', port: 443 });
    expect(network.sourceAddress(pod)).toBeUndefined();
  });

  it("an unknown name is a DNS error in Go's words", async () => {
    const network = systemPodNetwork(async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND api.example.invalid'), { code: 'ENOTFOUND' });
    });
    expect(await network.resolve(pod, 'api.example.invalid', 443)).toEqual({ error: 'dial tcp: lookup api.example.invalid: no such host (pod ns/p)' });
    const real = await systemPodNetwork().resolve(pod, 'no-such-host.invalid', 443);
    expect(real).toHaveProperty('error');
  });
});

describe('protocol', () => {
  it('builds pod-proxy paths and parses run requests strictly', () => {
    expect(podProxyPath('shoot--a--b', 'heavy-0', controlPath(CONTROL_PATHS.run, { durationMs: 8000, maxRequests: 10, drainTimeoutMs: undefined }))).toBe(
      '/api/v1/namespaces/shoot--a--b/pods/heavy-0:8080/proxy/run?durationMs=8000&maxRequests=10',
    );
    expect(parseRunRequest(new URLSearchParams('durationMs=8000&maxRequests=10.7&epochUnixMs=5'))).toEqual({
      durationMs: 8000,
      maxRequests: 10,
      drainTimeoutMs: undefined,
      epochUnixMs: 5,
    });
    expect(() => parseRunRequest(new URLSearchParams('durationMs=0&maxRequests=1&epochUnixMs=1'))).toThrow(/durationMs must be > 0/);
    expect(() => parseRunRequest(new URLSearchParams('maxRequests=1'))).toThrow(/missing durationMs/);
    expect(() => parseLoadClientSpec('{"group":"g"}')).toThrow(/has no "profile"/);
  });

  it("keeps trying the warm-up while it fails, counting every attempt's answers", async () => {
    const outcomes = [{ answered: 1, error: 'HTTP 503' }, { answered: 0, error: 'connection refused' }, { answered: 4 }];
    const pod = { prepare: async () => outcomes.shift()! };
    expect(await prepareWithRetries(pod, 10_000, 1)).toEqual({ answered: 5 });
    const failing = { prepare: async () => ({ answered: 0, error: 'no such host' }) };
    expect(await prepareWithRetries(failing, 0, 1)).toEqual({ answered: 0, error: 'no such host' });
  });
});

describe('the load client in a pod, against a kube-apiserver', () => {
  let cp: TestControlPlane;
  let mount: string;
  let server: http.Server | undefined;
  beforeAll(async () => {
    cp = await startTestControlPlane({}, 1);
    mount = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-load-client-'));
    // The projected volume of docs/gardener.md#pod-wiring: the generic kubeconfig (tokenFile) and the token.
    fs.writeFileSync(path.join(mount, 'token'), `${ADMIN_TOKEN}\n`);
    fs.writeFileSync(
      path.join(mount, 'kubeconfig'),
      renderKubeconfig({
        contextName: 'test',
        server: cp.urls[0]!,
        caPem: cp.pki.authorities.ca.certPem,
        tokenFile: path.join(mount, 'token'),
        tlsServerName: 'kube-apiserver',
      }),
    );
  });
  afterAll(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    await cp?.close();
    fs.rmSync(mount, { recursive: true, force: true });
  });

  const group = Scenario.parse({
    name: 't',
    clients: [{ name: 'ctl', rate: 40, qps: 100, burst: 100, arrival: 'constant', mix: [{ verb: 'get', resource: 'leases', objects: 2 }] }],
  }).clients[0]!;
  const env = () => ({ LOAD_CLIENT_SPEC: JSON.stringify(loadClientSpec(group, 5)), POD_NAME: 'ctl-0', POD_NAMESPACE: 'test', POD_IP: '127.0.0.1' });

  it('reads its pod spec from the projected volume and the environment', () => {
    const { spec } = podSpecFromEnvironment(env(), mount);
    expect(spec).toMatchObject({ name: 'ctl-0', group: 'ctl', namespace: 'test', profile: 'client-go', rate: 40, qps: 100 });
    expect(spec.kubeconfig).toEqual({ server: cp.urls[0], caPem: cp.pki.authorities.ca.certPem, token: ADMIN_TOKEN, tlsServerName: 'kube-apiserver' });
  });

  it('warms up, runs from the shared start and reports its accounting over the control port', async () => {
    server = await serveLoadClient(env(), { port: 0, mountPath: mount });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const get = async (p: string) => {
      const res = await fetch(`${base}${p}`);
      return { status: res.status, body: (await res.json()) as any };
    };
    expect(await get(CONTROL_PATHS.healthz)).toEqual({ status: 200, body: { ok: true, pod: 'ctl-0' } });
    const prepared = await get(controlPath(CONTROL_PATHS.prepare, { retryForMs: 0 }));
    // Two leases created, plus whatever else the client-go profile's warm-up asks (it is the simulator's, unchanged).
    expect(prepared.status).toBe(200);
    expect(prepared.body.error).toBeUndefined();
    expect(prepared.body.answered).toBeGreaterThanOrEqual(2);
    expect((await get(CONTROL_PATHS.result)).status).toBe(202);
    expect((await get(controlPath(CONTROL_PATHS.run, { durationMs: 1000, maxRequests: 1000, epochUnixMs: Date.now() + 200 }))).status).toBe(202);
    expect((await get(controlPath(CONTROL_PATHS.run, { durationMs: 1000, maxRequests: 1000, epochUnixMs: Date.now() }))).status).toBe(409);
    expect((await get(controlPath(CONTROL_PATHS.set, { rate: 20 }))).status).toBe(200);
    const done = await pollUntil(
      () => get(CONTROL_PATHS.result),
      (r) => r.status !== 202,
      { timeoutMs: 20_000, intervalMs: 100, what: 'the result' },
    );
    expect(done.status).toBe(200);
    const result = done.body as ClientRunResult;
    expect(result.pod).toBe('ctl-0');
    expect(result.answeredByCode['200']).toBeGreaterThan(10);
    expect(result.errors).toEqual({});
    expect(result.connections.opened).toBe(1);
    expect((await get('/nope')).status).toBe(404);
  });
});
