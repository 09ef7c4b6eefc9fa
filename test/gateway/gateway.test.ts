// The istio ingress gateway pod end to end: real TLS and HTTP/2 (and HTTP/1.1) from a client, through the gateway,
// to real simulated kube-apiserver replicas; per-replica counts are read from the replicas' /metrics.
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../webhook/x509.ts';
import { IN_CLUSTER_API_HOST } from '../../scripts/cluster/certificates.ts';
import { gatewayPodIp } from '../../scripts/cluster/addresses.ts';
import gatewayPod, { type GatewayPodConfig } from '../../sim/gateway/gatewayPod.ts';
import { startInProcessComponent, startWorkerComponent } from '../../sim/runtime/startComponent.ts';
import type { HandleOf } from '../../sim/runtime/component.ts';
import { parsePrometheusText, sumOf } from '../../scripts/measure/promText.ts';
import { pollUntil } from '../../scripts/core/poll.ts';
import {
  ADMIN_TOKEN,
  FAST_CAPACITY,
  replicaMetricsTexts,
  replicaRequestTotals,
  startTestControlPlane,
  USER_TOKEN,
  type TestControlPlane,
} from '../helpers/controlPlane.ts';
import { connect, h2request } from '../helpers/h2.ts';

const HOST = 'api.test.example';

interface H1Answer {
  status: number;
  body: string;
}

/** One HTTP/1.1 request through a gateway pod (no keep-alive); the answer, or the error if none came. */
function h1request(cp: TestControlPlane, index: number, method: string, path: string, body?: string): Promise<H1Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: gatewayPodIp(cp.addresses, index),
        port: 9443,
        servername: HOST,
        ca: cp.pki.authorities.ca.certPem,
        method,
        path,
        agent: false,
        headers: { host: HOST, authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const configMapOf = (name: string, bytes: number) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { blob: 'x'.repeat(bytes) } });

/** A gateway pod in front of a test control plane's replicas. */
function gatewayConfigFor(cp: TestControlPlane, mode: 'terminate' | 'passthrough', index: number, randomSeed: number): GatewayPodConfig {
  return {
    name: `gw-${mode}`,
    ip: gatewayPodIp(cp.addresses, index),
    port: 9443,
    mode,
    lbPolicy: 'LEAST_REQUEST',
    choiceCount: 2,
    randomSeed,
    maxConcurrentStreams: 100,
    upstreamConnectionsPerEndpoint: 1,
    controlPlanes: [
      {
        hosts: [HOST],
        servingTls: cp.pki.certificates['kube-apiserver'],
        clientCaPem: cp.pki.authorities['ca-client'].certPem,
        upstream: {
          endpoints: cp.plane.info.replicas.map((r) => ({ name: r.name, ip: r.ip, port: r.port })),
          caPem: cp.pki.authorities.ca.certPem,
          sni: IN_CLUSTER_API_HOST,
          frontProxyClient: cp.pki.certificates['istio-gateway-client'],
        },
      },
    ],
  };
}

describe('istio ingress gateway pod', () => {
  let cp: TestControlPlane;
  let gateways: HandleOf<typeof gatewayPod>[] = [];

  const config = (mode: 'terminate' | 'passthrough', index: number): GatewayPodConfig => gatewayConfigFor(cp, mode, index, 5);
  const gwUrl = (index: number) => `https://${gatewayPodIp(cp.addresses, index)}:9443`;

  const perReplica = () => replicaRequestTotals(cp);

  async function burst(session: http2.ClientHttp2Session, n: number, concurrency: number, headers: http2.OutgoingHttpHeaders = {}): Promise<number[]> {
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) {
          next++;
          statuses.push(
            (
              await h2request(session, {
                ':method': 'GET',
                ':path': '/api/v1/namespaces/gw/configmaps',
                ':authority': HOST,
                authorization: `Bearer ${ADMIN_TOKEN}`,
                ...headers,
              })
            ).status,
          );
        }
      }),
    );
    return statuses;
  }

  beforeAll(async () => {
    cp = await startTestControlPlane({ capacity: { ...FAST_CAPACITY, serviceTimeMs: { ...FAST_CAPACITY.serviceTimeMs, list: 2 } } }, 3);
    gateways = [
      await startWorkerComponent(gatewayPod, { name: 'gw-terminate', config: config('terminate', 0) }),
      await startInProcessComponent(gatewayPod, { name: 'gw-passthrough', config: config('passthrough', 1) }),
    ];
  });
  afterAll(async () => {
    for (const g of gateways) await g.close();
    await cp?.close();
  });

  it('terminate: one client HTTP/2 connection is spread evenly over the replicas, per request', async () => {
    const before = await perReplica();
    const s = await connect(gwUrl(0), { ca: cp.pki.authorities.ca.certPem, servername: HOST });
    const statuses = await burst(s, 300, 10);
    s.close();
    expect(statuses.every((x) => x === 200)).toBe(true);
    const delta = (await perReplica()).map((n, i) => n - before[i]!);
    expect(delta.reduce((a, b) => a + b, 0)).toBe(300);
    for (const d of delta) expect(d).toBeGreaterThan(70);
    const stats = await gateways[0]!.remote.stats();
    expect(Object.values(stats.clusters.default!).reduce((a, h) => a + h.requests, 0)).toBeGreaterThanOrEqual(300);
  });

  it('passthrough: the same client lands on exactly one replica', async () => {
    const before = await perReplica();
    // In passthrough the client talks TLS to the kube-apiserver itself: its certificate carries the public name.
    const s = await connect(gwUrl(1), { ca: cp.pki.authorities.ca.certPem, servername: HOST });
    expect((await burst(s, 300, 10)).every((x) => x === 200)).toBe(true);
    s.close();
    const delta = (await perReplica()).map((n, i) => n - before[i]!).sort((a, b) => b - a);
    expect(delta).toEqual([300, 0, 0]);
  });

  it('a client-supplied X-Remote-User never reaches upstream (HTTP/2 and HTTP/1.1)', async () => {
    const review = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    const s = await connect(gwUrl(0), { ca: cp.pki.authorities.ca.certPem, servername: HOST });
    const res = await h2request(
      s,
      {
        ':method': 'POST',
        ':path': '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        ':authority': HOST,
        authorization: `Bearer ${USER_TOKEN}`,
        'x-remote-user': 'system:admin',
        'x-remote-group': 'system:masters',
        'content-type': 'application/json',
      },
      review,
    );
    s.close();
    expect(JSON.parse(res.body).status.userInfo.username).toBe('alice');
    const h1 = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        {
          host: gatewayPodIp(cp.addresses, 0),
          port: 9443,
          servername: HOST,
          ca: cp.pki.authorities.ca.certPem,
          method: 'POST',
          path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
          headers: { host: HOST, authorization: `Bearer ${USER_TOKEN}`, 'x-remote-user': 'system:admin', 'content-type': 'application/json' },
        },
        (r) => {
          let t = '';
          r.on('data', (c) => (t += c));
          r.on('end', () => resolve(t));
        },
      );
      req.on('error', reject);
      req.end(review);
    });
    expect(JSON.parse(h1).status.userInfo.username).toBe('alice');
  });

  it('answers 421 when SNI and :authority differ, but accepts the ":443" suffix; gateway replies have no Audit-Id', async () => {
    const s = await connect(gwUrl(0), { ca: cp.pki.authorities.ca.certPem, servername: HOST });
    const misdirected = await h2request(s, { ':method': 'GET', ':path': '/version', ':authority': '127.0.0.1:10443' });
    expect(misdirected.status).toBe(421);
    expect(misdirected.headers.server).toBe('istio-envoy');
    expect(misdirected.headers['audit-id']).toBeUndefined();
    const withPort = await h2request(s, { ':method': 'GET', ':path': '/version', ':authority': `${HOST}:443` });
    expect(withPort.status).toBe(200);
    expect(withPort.headers['audit-id']).toBeDefined();
    s.close();
  });

  it('a client certificate takes the mTLS route: X-Remote-User from the CN, front-proxy certificate upstream', async () => {
    const s = await connect(gwUrl(0), {
      ca: cp.pki.authorities.ca.certPem,
      servername: HOST,
      cert: cp.pki.certificates['admin-client'].certPem,
      key: cp.pki.certificates['admin-client'].keyPem,
    });
    const res = await h2request(
      s,
      { ':method': 'POST', ':path': '/apis/authentication.k8s.io/v1/selfsubjectreviews', ':authority': HOST, 'x-remote-user': 'mallory' },
      JSON.stringify({ kind: 'SelfSubjectReview' }),
    );
    s.close();
    expect(JSON.parse(res.body).status.userInfo).toMatchObject({ username: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
    const stats = await gateways[0]!.remote.stats();
    expect(Object.values(stats.clusters.mtls!).reduce((a, h) => a + h.requests, 0)).toBe(1);
  });

  it('rejects a client certificate from an unknown CA at the handshake (OPTIONAL_MUTUAL)', async () => {
    const otherCa = await createCertificateAuthority('not the client CA');
    const foreign = await issueCertificate(otherCa, { commonName: 'x', usage: 'client' });
    // Under TLS 1.3 the client's handshake is done before the gateway checks its certificate, so the refusal reaches
    // the client as a reset: of the connection (ECONNRESET), or of the request's stream when the session had already
    // sent it (rst code 8, CANCEL: the session went away). A server certificate the client refused would read otherwise.
    await expect(
      connect(gwUrl(0), { ca: cp.pki.authorities.ca.certPem, servername: HOST, cert: foreign.certPem, key: foreign.keyPem }).then(async (s) => {
        try {
          return await h2request(s, { ':method': 'GET', ':path': '/version', ':authority': HOST });
        } finally {
          s.close();
        }
      }),
    ).rejects.toThrow(/^(read ECONNRESET|stream ended without a response \(rst code 8\))$/);
  });

  it('answers 400 "Invalid certificate subject" for a valid client certificate with an empty CN', async () => {
    const clientCa = await createCertificateAuthority('client CA of this test');
    const emptyCn = await issueCertificate(clientCa, { commonName: '', organizations: ['team'], usage: 'client' });
    const base = config('terminate', 2);
    const gw = await startInProcessComponent(gatewayPod, {
      name: 'gw-cn',
      config: { ...base, controlPlanes: [{ ...base.controlPlanes[0]!, clientCaPem: clientCa.certPem }] },
    });
    try {
      const s = await connect(gwUrl(2), { ca: cp.pki.authorities.ca.certPem, servername: HOST, cert: emptyCn.certPem, key: emptyCn.keyPem });
      const res = await h2request(s, { ':method': 'GET', ':path': '/version', ':authority': HOST });
      s.close();
      expect(res.status).toBe(400);
      expect(res.body).toBe('Invalid certificate subject');
    } finally {
      await gw.close();
    }
  });

  it('HTTP/1.1 via http-proxy-3 balances per request over one keep-alive connection', async () => {
    const before = await perReplica();
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: cp.pki.authorities.ca.certPem, servername: HOST });
    const sockets = new Set<unknown>();
    const answers: { status: number | undefined; server: string | string[] | undefined }[] = [];
    for (let i = 0; i < 60; i++) {
      await new Promise<void>((resolve, reject) => {
        https
          .get(
            {
              agent,
              host: gatewayPodIp(cp.addresses, 0),
              port: 9443,
              path: '/api/v1/namespaces/gw/configmaps',
              headers: { host: HOST, authorization: `Bearer ${ADMIN_TOKEN}` },
            },
            (res) => {
              sockets.add(res.socket);
              answers.push({ status: res.statusCode, server: res.headers.server });
              res.resume();
              res.on('end', () => resolve());
            },
          )
          .on('error', reject);
      });
    }
    agent.destroy();
    expect(answers).toEqual(Array.from({ length: 60 }, () => ({ status: 200, server: 'istio-envoy' })));
    expect(sockets.size).toBe(1);
    const delta = (await perReplica()).map((n, i) => n - before[i]!);
    expect(delta.reduce((a, b) => a + b, 0)).toBe(60);
    for (const d of delta) expect(d).toBeGreaterThan(5);
  });

  it('closes connections with an unknown SNI (no filter chain)', async () => {
    await expect(
      new Promise((resolve, reject) => {
        const socket = tls.connect({ host: gatewayPodIp(cp.addresses, 0), port: 9443, servername: 'other.example', ca: cp.pki.authorities.ca.certPem }, () =>
          resolve('connected'),
        );
        socket.on('error', reject);
      }),
    ).rejects.toThrow('Client network socket disconnected before secure TLS connection was established');
  });

  it('LEAST_REQUEST counts a long-lived watch as an active request: its replica gets ~1/m² of sequential requests (Envoy P2C)', async () => {
    const perHost = async () => {
      const stats = await gateways[0]!.remote.stats();
      return stats.clusters.default!;
    };
    const s = await connect(gwUrl(0), { ca: cp.pki.authorities.ca.certPem, servername: HOST });
    const watch = s.request({
      ':method': 'GET',
      ':path': '/api/v1/namespaces/gw/configmaps?watch=1',
      ':authority': HOST,
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    await new Promise((resolve) => watch.once('response', resolve));
    const holding = Object.entries(await perHost())
      .filter(([, h]) => h.active === 1)
      .map(([name]) => name);
    expect(holding).toHaveLength(1);
    const before = await perHost();
    // One request at a time: the other replicas have 0 active, the watch's replica 1, so P2C picks it only when both
    // random choices land on it: 1/9 of 300 = 33 expected (sd 5.4).
    expect((await burst(s, 300, 1)).every((x) => x === 200)).toBe(true);
    const after = await perHost();
    watch.close();
    s.close();
    const got = (name: string) => after[name]!.requests - before[name]!.requests;
    expect(got(holding[0]!)).toBeGreaterThan(12);
    expect(got(holding[0]!)).toBeLessThan(60);
    for (const name of Object.keys(after).filter((n) => n !== holding[0])) expect(got(name)).toBeGreaterThan(100);
  });

  it("a body over the retry buffer streams to the replica, which answers it: no 413 from the gateway, kube-apiserver's own beyond 3 MiB", async () => {
    const s = await connect(gwUrl(0), { ca: cp.pki.authorities.ca.certPem, servername: HOST });
    const h2post = async (body: string) => {
      const r = await h2request(
        s,
        {
          ':method': 'POST',
          ':path': '/api/v1/namespaces/big/configmaps',
          ':authority': HOST,
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/json',
        },
        body,
      );
      return { status: r.status, body: r.body };
    };
    const h1post = (body: string) => h1request(cp, 0, 'POST', '/api/v1/namespaces/big/configmaps', body);
    const answers = {
      h2: await h2post(configMapOf('h2-streamed', 200 * 1024)),
      h1: await h1post(configMapOf('h1-streamed', 200 * 1024)),
      h2TooLarge: await h2post(configMapOf('h2-too-large', 3 * 1024 * 1024)),
      h1TooLarge: await h1post(configMapOf('h1-too-large', 3 * 1024 * 1024)),
    };
    s.close();
    const summary = Object.fromEntries(
      Object.entries(answers).map(([name, a]) => [name, { status: a.status, reason: a.body.startsWith('{') ? JSON.parse(a.body).reason : a.body }]),
    );
    expect(summary).toEqual({
      h2: { status: 201, reason: undefined },
      h1: { status: 201, reason: undefined },
      h2TooLarge: { status: 413, reason: 'RequestEntityTooLarge' },
      h1TooLarge: { status: 413, reason: 'RequestEntityTooLarge' },
    });
  });

  it('EDS updates: a removed replica takes no new requests, a returning one is used again', async () => {
    const endpoints = cp.plane.info.replicas.map((r) => ({ name: r.name, ip: r.ip, port: r.port }));
    await gateways[0]!.remote.setEndpoints(0, endpoints.slice(0, 2));
    const before = await perReplica();
    const s = await connect(gwUrl(0), { ca: cp.pki.authorities.ca.certPem, servername: HOST });
    expect((await burst(s, 60, 5)).every((x) => x === 200)).toBe(true);
    const delta = (await perReplica()).map((n, i) => n - before[i]!);
    expect(delta[2]).toBe(0);
    await gateways[0]!.remote.setEndpoints(0, endpoints);
    const before2 = await perReplica();
    expect((await burst(s, 60, 5)).every((x) => x === 200)).toBe(true);
    s.close();
    expect((await perReplica())[2]! - before2[2]!).toBeGreaterThan(5);
  });
});

describe('gateway with GOAWAYing upstreams, and clean close', () => {
  it('retries streams refused by an upstream GOAWAY; a request refused on every attempt gets an explicit 503 (Envoy semantics)', async () => {
    // --goaway-chance at its maximum (0.02): each upstream connection is shut down about every 50 requests.
    const cp = await startTestControlPlane({ goawayChance: 0.02 }, 3);
    const gw = await startInProcessComponent(gatewayPod, { name: 'gw', config: { ...gatewayConfigFor(cp, 'terminate', 0, 1), name: 'gw' } });
    const s = await connect(`https://${gatewayPodIp(cp.addresses, 0)}:9443`, { ca: cp.pki.authorities.ca.certPem, servername: HOST });
    const results: { status: number; body: string }[] = [];
    for (let round = 0; round < 6; round++) {
      results.push(
        ...(await Promise.all(
          Array.from({ length: 100 }, () =>
            h2request(s, { ':method': 'GET', ':path': '/api/v1/namespaces/g/configmaps', ':authority': HOST, authorization: `Bearer ${ADMIN_TOKEN}` }),
          ),
        )),
      );
    }
    s.close();
    const failed = results.filter((r) => r.status !== 200);
    // Istio's default retry policy gives 3 attempts; with 100 streams opened at once a few can be refused 3 times.
    for (const f of failed) expect(`${f.status} ${f.body}`).toBe('503 upstream connect error or disconnect/reset before headers. reset reason: refused stream');
    expect(failed.length).toBeLessThanOrEqual(results.length * 0.02);
    const stats = await gw.remote.stats();
    expect(stats.retries).toBeGreaterThan(failed.length);
    expect(stats.upstreamConnectionsOpened).toBeGreaterThan(3); // GOAWAYs made it reconnect
    await gw.close();
    const outcome = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: gatewayPodIp(cp.addresses, 0), port: 9443 });
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      socket.on('connect', () => {
        socket.destroy();
        resolve('still listening after close()');
      });
    });
    expect(outcome).toBe('ECONNREFUSED');
    await cp.close();
  });

  it('retries a connect failure while the body fits the retry buffer; past it the request has one attempt (Envoy gives up on retries)', async () => {
    const cp = await startTestControlPlane({}, 1);
    const gw = await startInProcessComponent(gatewayPod, { name: 'gw', config: { ...gatewayConfigFor(cp, 'terminate', 0, 1), name: 'gw' } });
    const s = await connect(`https://${gatewayPodIp(cp.addresses, 0)}:9443`, { ca: cp.pki.authorities.ca.certPem, servername: HOST });
    try {
      // Three endpoints where nothing listens: every attempt is a connect failure, each on a host not tried yet.
      const ip = cp.plane.info.replicas[0]!.ip;
      const closedPort = await new Promise<number>((resolve) => {
        const probe = net.createServer().listen(0, ip, () => {
          const { port } = probe.address() as net.AddressInfo;
          probe.close(() => resolve(port));
        });
      });
      await gw.remote.setEndpoints(
        0,
        [0, 1, 2].map((i) => ({ name: `dead-${i}`, ip, port: closedPort })),
      );
      const path = '/api/v1/namespaces/dead/configmaps';
      const h2post = async (body: string) =>
        h2request(
          s,
          { ':method': 'POST', ':path': path, ':authority': HOST, authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body,
        );
      const outcomes: { request: string; status: number; body: string; retries: number }[] = [];
      const measure = async (request: string, send: () => Promise<{ status: number; body: string }>) => {
        const before = (await gw.remote.stats()).retries;
        const answer = await send();
        outcomes.push({ request, status: answer.status, body: answer.body, retries: (await gw.remote.stats()).retries - before });
      };
      await measure('h2 1 KiB', () => h2post(configMapOf('small', 1024)));
      await measure('h2 100 KiB', () => h2post(configMapOf('large', 100 * 1024)));
      await measure('h1 1 KiB', () => h1request(cp, 0, 'POST', path, configMapOf('small', 1024)));
      await measure('h1 100 KiB', () => h1request(cp, 0, 'POST', path, configMapOf('large', 100 * 1024)));
      const refused = 'upstream connect error or disconnect/reset before headers. reset reason: connection failure';
      expect(outcomes).toEqual([
        { request: 'h2 1 KiB', status: 503, body: refused, retries: 2 },
        { request: 'h2 100 KiB', status: 503, body: refused, retries: 0 },
        { request: 'h1 1 KiB', status: 503, body: refused, retries: 2 },
        { request: 'h1 100 KiB', status: 503, body: refused, retries: 0 },
      ]);
    } finally {
      s.close();
      await gw.close();
      await cp.close();
    }
  });

  it('does not retry a request lost after it was sent (an upstream killed mid-request): 503, and no replica executes it twice', async () => {
    const slow = { ...FAST_CAPACITY, serviceTimeMs: { ...FAST_CAPACITY.serviceTimeMs, get: 400 } };
    const cp = await startTestControlPlane({ capacity: slow }, 2);
    const gw = await startInProcessComponent(gatewayPod, { name: 'gw', config: { ...gatewayConfigFor(cp, 'terminate', 0, 3), name: 'gw' } });
    const s = await connect(`https://${gatewayPodIp(cp.addresses, 0)}:9443`, { ca: cp.pki.authorities.ca.certPem, servername: HOST });
    const get = () =>
      h2request(s, { ':method': 'GET', ':path': '/api/v1/namespaces/g/configmaps/x', ':authority': HOST, authorization: `Bearer ${ADMIN_TOKEN}` });
    const inFlight = Array.from({ length: 20 }, get);
    // Both replicas have requests in service (400 ms each); kill one of them.
    await pollUntil(
      () => cp.plane.methods.replicaStates(),
      (states) => states.every((r) => r.inflight.readOnly > 0),
      { timeoutMs: 5000 },
    );
    const final = await cp.plane.methods.stopReplica('kube-apiserver-0', 'kill');
    const results = await Promise.all(inFlight);
    s.close();
    const lost = results.filter((r) => r.status === 503);
    expect(lost.length).toBeGreaterThan(0);
    for (const r of lost) expect(r.body).toBe('upstream connect error or disconnect/reset before headers. reset reason: connection termination');
    expect(results.filter((r) => r.status !== 503).every((r) => r.status === 404)).toBe(true);
    expect((await gw.remote.stats()).retries).toBe(0);
    // Every answer came from the surviving replica, which executed each of those requests once.
    const [survivorText] = await replicaMetricsTexts(cp, ['kube-apiserver-1']);
    const survivor = sumOf(parsePrometheusText(survivorText!), 'apiserver_request_total', { verb: 'GET' });
    expect(survivor).toBe(results.length - lost.length);
    expect(final.replica).toBe('kube-apiserver-0');
    await gw.close();
    await cp.close();
  });
});
