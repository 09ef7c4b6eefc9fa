// The webhook server end to end on real sockets: HTTPS with ALPN h2 and http/1.1, AdmissionReview v1 and v1beta1,
// reads through client-node against the fixture apiserver, every bad-input case, health and metrics.
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookCertificates, type WebhookCertificates } from '../../webhook/certs.ts';
import { KubeReader } from '../../webhook/kubeReads.ts';
import { createLogger } from '../../webhook/logger.ts';
import { startWebhookServer, type WebhookServer } from '../../webhook/server.ts';
import { waitFor } from '../../scripts/core/poll.ts';
import { h1Client, h2Client, type WebhookClient } from '../../scripts/webhookRig/webhookClient.ts';
import { startFixtureApiserver, type FixtureApiserver } from '../../scripts/webhookRig/fixtureApiserver.ts';
import { applyResponsePatch, ISTIO_NS, pod, projectedKubeconfigVolume, review, secretKubeconfigVolume, SHOOT_NS } from '../../scripts/webhookRig/pods.ts';

const PATH = '/webhooks/pod-kube-apiserver-load-balancing';
const LABEL = 'networking.resources.gardener.cloud/to-istio-gateway-istio-ingressgateway-internal-tcp-9443';
let api: FixtureApiserver;
let certs: WebhookCertificates;
let server: WebhookServer;
let reader: KubeReader;
const clients: WebhookClient[] = [];
const logLines: string[] = [];

beforeAll(async () => {
  api = await startFixtureApiserver();
  api.setObject('configmaps', SHOOT_NS, 'istio-internal-load-balancing', { data: { hosts: 'api.example.com,api2.example.com', 'istio-namespace': ISTIO_NS } });
  api.setObject('services', ISTIO_NS, 'istio-ingressgateway-internal', { spec: { clusterIP: '10.10.10.10', clusterIPs: ['10.10.10.10', '3fff::2'] } });
  api.setObject('configmaps', 'no-service', 'istio-internal-load-balancing', { data: { hosts: 'api.example.com', 'istio-namespace': 'nowhere' } });
  api.setObject('configmaps', 'empty-hosts', 'istio-internal-load-balancing', { data: { hosts: '', 'istio-namespace': ISTIO_NS } });
  certs = await generateWebhookCertificates({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  reader = new KubeReader({ source: { kind: 'inline', server: api.url, caPem: api.caPem, token: api.token }, cacheTtlMs: 60_000 });
  server = await startWebhookServer({
    host: '127.0.0.1',
    port: 0,
    tls: certs,
    reader,
    bodyTimeoutMs: 500,
    logger: createLogger('debug', 'test', (l) => logLines.push(l)),
  });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
  reader?.close();
  await api?.close();
});

/** What a plain TCP connect to the port gets: 'connected', or the error code (ECONNREFUSED once nothing listens). */
const connectOutcome = (port: number) =>
  new Promise<string>((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });

const client = (protocol: 'h2' | 'h1') => {
  const c = protocol === 'h2' ? h2Client(server.url, certs.caPem) : h1Client(server.url, certs.caPem);
  clients.push(c);
  return c;
};

describe.each(['h2', 'h1'] as const)('over %s', (protocol) => {
  let c: WebhookClient;
  beforeAll(() => {
    c = client(protocol);
  });

  it.each(['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'])('mutates a selected pod and answers in %s with the request uid', async (apiVersion) => {
    const subject = pod({ volumes: [projectedKubeconfigVolume()] });
    const r = await c.post(PATH, JSON.stringify(review(subject, { apiVersion, uid: `uid-${protocol}-${apiVersion}` })));
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const body = r.json();
    expect(body).toMatchObject({
      apiVersion,
      kind: 'AdmissionReview',
      response: { uid: `uid-${protocol}-${apiVersion}`, allowed: true, patchType: 'JSONPatch' },
    });
    const after = applyResponsePatch(subject, body.response.patch);
    expect(after.spec.hostAliases).toEqual([
      { ip: '10.10.10.10', hostnames: ['api.example.com', 'api2.example.com'] },
      { ip: '3fff::2', hostnames: ['api.example.com', 'api2.example.com'] },
    ]);
    expect(after.metadata.labels[LABEL]).toBe('allowed');
  });

  it('allows other pods without a patch', async () => {
    const body = (await c.post(PATH, JSON.stringify(review(pod({ volumes: [secretKubeconfigVolume('my-secret')] }))))).json();
    expect(body.response).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
  });

  it('allows a selected pod without a patch when the namespace has no ConfigMap', async () => {
    const body = (
      await c.post(PATH, JSON.stringify(review(pod({ namespace: 'l4-only', volumes: [projectedKubeconfigVolume()] }), { namespace: 'l4-only' })))
    ).json();
    expect(body.response).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
  });

  it('denies with the NotFound status when the internal Service is missing', async () => {
    const body = (
      await c.post(PATH, JSON.stringify(review(pod({ namespace: 'no-service', volumes: [projectedKubeconfigVolume()] }), { namespace: 'no-service' })))
    ).json();
    expect(body.response).toMatchObject({
      allowed: false,
      status: { code: 404, reason: 'NotFound', message: 'services "istio-ingressgateway-internal" not found' },
    });
  });

  it("denies with 403 and Gardener's message when hosts is empty", async () => {
    const body = (
      await c.post(PATH, JSON.stringify(review(pod({ namespace: 'empty-hosts', volumes: [projectedKubeconfigVolume()] }), { namespace: 'empty-hosts' })))
    ).json();
    expect(body.response).toMatchObject({
      allowed: false,
      status: { code: 403, message: '"hosts" key in configmap "empty-hosts/istio-internal-load-balancing" provides an empty value' },
    });
  });

  it('allows DELETE without looking at the object', async () => {
    const body = (await c.post(PATH, JSON.stringify(review(null, { operation: 'DELETE' })))).json();
    expect(body.response).toEqual({ uid: '705ab4f5-6393-11e8-b7cc-42010a800002', allowed: true });
  });

  describe('bad input: HTTP 200 with an errored AdmissionReview', () => {
    const errored = async (body: string | Buffer, headers?: Record<string, string>) => {
      const r = await c.post(PATH, body, headers);
      expect(r.status).toBe(200);
      const review = r.json();
      expect(review.kind).toBe('AdmissionReview');
      expect(review.response.allowed).toBe(false);
      return review;
    };
    it('malformed JSON', async () => {
      expect((await errored('{"apiVersion": "admission.k8s.io/v1", ')).response.status).toMatchObject({
        code: 400,
        message: expect.stringMatching(/couldn't decode the AdmissionReview/),
      });
    });
    it('wrong content type', async () => {
      expect((await errored(JSON.stringify(review(pod())), { 'content-type': 'text/plain' })).response.status).toMatchObject({
        code: 400,
        message: 'contentType=text/plain, expected application/json',
      });
    });
    it('missing content type', async () => {
      expect((await errored(JSON.stringify(review(pod())), {})).response.status).toMatchObject({
        code: 400,
        message: 'contentType=, expected application/json',
      });
    });
    it('empty body', async () => {
      expect((await errored('')).response.status).toMatchObject({ code: 400, message: 'request body is empty' });
    });
    it('missing request', async () => {
      const r = await errored(JSON.stringify({ apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview' }));
      expect(r.apiVersion).toBe('admission.k8s.io/v1beta1');
      expect(r.response.status.message).toMatch(/has no request/);
    });
    it('unknown AdmissionReview version', async () => {
      expect(
        (await errored(JSON.stringify({ apiVersion: 'admission.k8s.io/v2', kind: 'AdmissionReview', request: { uid: 'x' } }))).response.status.message,
      ).toMatch(/unsupported AdmissionReview apiVersion/);
    });
    it('a non-Pod object, keeping the uid', async () => {
      const body = review({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, { uid: 'cm-uid' });
      (body.request as Record<string, unknown>).kind = { group: '', version: 'v1', kind: 'ConfigMap' };
      const r = await errored(JSON.stringify(body));
      expect(r.response.uid).toBe('cm-uid');
      expect(r.response.status).toMatchObject({ code: 400, message: 'expected a request for core/v1 Pod, got core/v1 ConfigMap' });
    });
    it('a body over the 3 MiB limit (413), and the server keeps serving', async () => {
      const big = Buffer.alloc(3 * 1024 * 1024 + 10, 0x20);
      expect((await errored(big)).response.status).toMatchObject({ code: 413, message: 'request entity is too large; limit is 3145728 bytes' });
      expect((await c.get('/healthz')).text).toBe('ok');
    });
  });

  it('odd volumes: null sources, empty names, nulls in lists', async () => {
    const subject = pod({
      volumes: [
        null,
        { name: '' },
        { projected: { sources: null } },
        { projected: { sources: [null, { secret: null }, { secret: { name: '' } }] } },
        { secret: { secretName: null } },
        projectedKubeconfigVolume('generic-token-kubeconfig'),
      ],
    });
    const body = (await c.post(PATH, JSON.stringify(review(subject)))).json();
    expect(body.response.allowed).toBe(true);
    expect(applyResponsePatch(subject, body.response.patch).spec.hostAliases).toHaveLength(2);
  });

  it('very many volumes and host aliases (just under 3 MiB)', async () => {
    const volumes = Array.from({ length: 20_000 }, (_, i) => ({ name: `v${i}`, secret: { secretName: `s-${i}` } }));
    volumes.push(projectedKubeconfigVolume() as never);
    const hostAliases = Array.from({ length: 10_000 }, (_, i) => ({ ip: `10.1.${i >> 8}.${i & 255}`, hostnames: [`h${i}.example`] }));
    const subject = pod({ volumes, hostAliases });
    const text = JSON.stringify(review(subject));
    expect(text.length).toBeLessThan(3 * 1024 * 1024);
    const body = (await c.post(PATH, text)).json();
    const after = applyResponsePatch(subject, body.response.patch);
    expect(after.spec.hostAliases).toHaveLength(10_002);
    expect(after.spec.hostAliases.at(-1).ip).toBe('3fff::2');
  });
});

describe('other requests', () => {
  it('/healthz, /readyz; 404 elsewhere; 405 for GET on the webhook path', async () => {
    const c = client('h2');
    expect((await c.get('/healthz')).status).toBe(200);
    expect((await c.get('/readyz')).status).toBe(200);
    const notFound = await c.get('/mutate');
    expect(notFound.status).toBe(404);
    expect(notFound.text).toMatch(/served at POST \/webhooks\/pod-kube-apiserver-load-balancing/);
    const wrongMethod = await c.get(PATH);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
  });

  it('negotiates h2 and http/1.1 by ALPN', async () => {
    for (const protocol of ['h2', 'http/1.1']) {
      const negotiated = await new Promise<string | false>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port: server.port, ca: certs.caPem, servername: 'localhost', ALPNProtocols: [protocol] }, () => {
          resolve(socket.alpnProtocol ?? false);
          socket.destroy();
        });
        socket.on('error', reject);
      });
      expect(negotiated).toBe(protocol);
    }
  });

  it('a client that stalls mid-body gets a 408 errored review after the body timeout', async () => {
    const r = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: PATH,
          ca: certs.caPem,
          servername: 'localhost',
          headers: { 'content-type': 'application/json', 'content-length': 1000 },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      req.write('{"apiVersion":');
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).response.status).toMatchObject({ code: 408, message: 'the request body was not received within 500 ms' });
  });

  it('/metrics counts admissions by result and has the latency histogram', async () => {
    const text = (await client('h1').get('/metrics')).text;
    expect(text).toMatch(/pod_kube_apiserver_load_balancing_admissions_total\{result="mutated"\} [1-9]/);
    expect(text).toMatch(/pod_kube_apiserver_load_balancing_admissions_total\{result="denied"\} [1-9]/);
    expect(text).toMatch(/pod_kube_apiserver_load_balancing_admissions_total\{result="errored"\} [1-9]/);
    expect(text).toMatch(/controller_runtime_webhook_latency_seconds_bucket\{le="0.005",webhook="\/webhooks\/pod-kube-apiserver-load-balancing"\} \d+/);
    expect(text).toMatch(/controller_runtime_webhook_requests_total\{code="200",webhook="\/webhooks\/pod-kube-apiserver-load-balancing"\} \d+/);
  });

  it('logs structured JSON lines (level, ts, msg, fields)', () => {
    const parsed = logLines.map((l) => JSON.parse(l));
    expect(parsed.some((l) => l.level === 'info' && l.msg === 'Pod uses generic kubeconfig via projected secret' && l.pod === `${SHOOT_NS}/bar-pod`)).toBe(
      true,
    );
    expect(parsed.some((l) => l.level === 'debug' && l.msg === 'admission' && typeof l.ms === 'number')).toBe(true);
    expect(parsed.every((l) => typeof l.ts === 'string' && l.logger === 'test')).toBe(true);
  });

  it('the log level filters', () => {
    const lines: string[] = [];
    const log = createLogger('warn', 'x', (l) => lines.push(l));
    log.debug('d');
    log.info('i');
    log.warn('w', { a: 1 });
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ level: 'warn', msg: 'w', a: 1 })]);
  });
});

describe('lifecycle', () => {
  it('close() is idempotent and cuts open connections; the port is released', async () => {
    const s = await startWebhookServer({ host: '127.0.0.1', port: 0, tls: certs, reader, logLevel: 'silent' });
    const c = h2Client(s.url, certs.caPem);
    expect((await c.get('/healthz')).status).toBe(200);
    await Promise.all([s.close(), s.close()]);
    await s.close();
    // The new session fails to connect, and Node closes its pending stream with rst 2 (INTERNAL_ERROR).
    await expect(h2Client(s.url, certs.caPem).get('/healthz')).rejects.toThrow('stream closed without a response (rst 2)');
    expect(await connectOutcome(s.port)).toBe('ECONNREFUSED');
    c.close();
  });

  it('idle connections are closed: an HTTP/2 session and an HTTP/1.1 socket stalled inside its headers', async () => {
    const s = await startWebhookServer({ host: '127.0.0.1', port: 0, tls: certs, reader, logLevel: 'silent', idleTimeoutMs: 300 });
    try {
      const h2Closed = new Promise<void>((resolve) => {
        const session = http2.connect(s.url, { ca: certs.caPem, servername: 'localhost' });
        session.on('error', () => undefined);
        session.on('close', () => resolve());
      });
      const h1Closed = new Promise<void>((resolve) => {
        const socket = tls.connect({ host: '127.0.0.1', port: s.port, ca: certs.caPem, servername: 'localhost', ALPNProtocols: ['http/1.1'] });
        socket.on('secureConnect', () => socket.write(`POST ${PATH} HTTP/1.1\r\nHost: x\r\n`));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
      await Promise.all([h2Closed, h1Closed]);
    } finally {
      await s.close();
    }
  });

  it('an exception inside the handler becomes an errored (500) answer with the uid, and the server keeps serving', async () => {
    const throwing = {
      getConfigMap: async () => ({
        get data(): Record<string, string> {
          throw new Error('boom');
        },
      }),
      getService: async () => undefined,
    };
    const s = await startWebhookServer({ host: '127.0.0.1', port: 0, tls: certs, reader: throwing, logLevel: 'silent' });
    const c = h2Client(s.url, certs.caPem);
    try {
      const body = (await c.post(PATH, JSON.stringify(review(pod({ volumes: [projectedKubeconfigVolume()] }), { uid: 'boom-uid' })))).json();
      expect(body.response).toMatchObject({ uid: 'boom-uid', allowed: false, status: { code: 500, message: 'internal error: boom' } });
      expect((await c.get('/healthz')).status).toBe(200);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('close() with a shutdown delay: /readyz fails at once, serving goes on, the in-flight admission finishes', async () => {
    // The admission's read is held open until the test answers it.
    let answerRead: (() => void) | undefined;
    const slow = {
      getConfigMap: async () => new Promise<undefined>((resolve) => (answerRead = () => resolve(undefined))),
      getService: async () => undefined,
    };
    const s = await startWebhookServer({ host: '127.0.0.1', port: 0, tls: certs, reader: slow, logLevel: 'silent', shutdownDelayMs: 200 });
    const c = h1Client(s.url, certs.caPem);
    const probe = h1Client(s.url, certs.caPem);
    try {
      expect((await probe.get('/readyz')).status).toBe(200);
      const inFlight = c.post(PATH, JSON.stringify(review(pod({ volumes: [projectedKubeconfigVolume()] }), { uid: 'late' })));
      await waitFor(() => answerRead !== undefined, { timeoutMs: 3000, what: 'the admission to be reading' });
      const closing = s.close();
      expect((await probe.get('/readyz')).status).toBe(503);
      // After the delay the listener closes; the admission still in flight then gets its answer.
      await waitFor(async () => (await connectOutcome(s.port)) === 'ECONNREFUSED', { timeoutMs: 3000, what: 'the listener to close' });
      answerRead!();
      expect((await inFlight).json().response).toEqual({ uid: 'late', allowed: true });
      await closing;
    } finally {
      c.close();
      probe.close();
    }
  });

  it('a port in use gives a clear error', async () => {
    await expect(startWebhookServer({ host: '127.0.0.1', port: server.port, tls: certs, reader, logLevel: 'silent' })).rejects.toThrow(
      /cannot listen on 127.0.0.1:\d+: .*EADDRINUSE/,
    );
  });
});
