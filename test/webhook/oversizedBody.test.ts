// An AdmissionReview over the body limit, sent over HTTP/1.1 with a content-length by a plain Node client: the client
// must receive the errored review (413) every time, never a connection reset instead. The server does what Go's
// net/http does under controller-runtime's webhook (webhook/server.ts): it reads the body up to the limit, then up to
// 256 KiB more; when the rest ended there the connection stays open, otherwise it answers with Connection: close,
// sends its FIN and closes the socket only 500 ms later, so the answer is read before any RST. The server runs in its
// own process (`webhook serve`) and the client's event loop is held for 100 ms after sending, as on a busy machine:
// a server that closed at once had its RST arrive before the client read the answer.
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookCertificates, writeWebhookCertificates, type WebhookCertificates } from '../../webhook/certs.ts';
import { startFixtureApiserver, type FixtureApiserver } from '../../scripts/webhookRig/fixtureApiserver.ts';
import { startServeProcess, writeFixtureKubeconfig } from '../../scripts/webhookRig/serveProcess.ts';

const PATH = '/webhooks/pod-kube-apiserver-load-balancing';
const LIMIT = 64 * 1024;
let dir: string;
let api: FixtureApiserver;
let certs: WebhookCertificates;
let serve: { child: ResultPromise; url: string };

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-413-'));
  api = await startFixtureApiserver();
  certs = await generateWebhookCertificates({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  writeWebhookCertificates(dir, certs);
  const args = ['--kubeconfig', writeFixtureKubeconfig(dir, api), '--tls-cert', path.join(dir, 'tls.crt'), '--tls-key', path.join(dir, 'tls.key')];
  serve = await startServeProcess([...args, '--port', '0', '--log-level', 'info', '--max-body-bytes', String(LIMIT)], 120_000);
});
afterAll(async () => {
  serve?.child.kill('SIGTERM');
  await serve?.child;
  await api?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Holds this process's event loop, as a busy client does between sending and reading. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

interface Outcome {
  /** The answer's HTTP status and AdmissionReview status code, when one arrived in full. */
  answer?: { status: number; code: number; connection?: string };
  /** An error before the answer arrived (a reset instead of the 413). */
  error?: string;
}

/** One POST on a fresh connection (no agent, or a keep-alive agent): what came back first, the complete answer or an error. */
function post(body: Buffer, agent: https.Agent | false = false): Promise<Outcome> {
  const url = new URL(serve.url);
  return new Promise((resolve) => {
    let answered = false;
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: PATH,
        agent,
        ca: certs.caPem,
        servername: 'localhost',
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          answered = true;
          const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          resolve({ answer: { status: res.statusCode!, code: review.response.status.code, connection: res.headers.connection } });
        });
        res.on('error', (e) => !answered && resolve({ error: e.message }));
      },
    );
    req.on('error', (e) => !answered && resolve({ error: `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}` }));
    req.end(body);
    busy(100);
  });
}

describe('an oversized HTTP/1.1 body with a content-length', () => {
  it('far over the limit: the Node client gets the 413 answer every time (Connection: close)', async () => {
    const outcomes: Outcome[] = [];
    for (let i = 0; i < 20; i++) outcomes.push(await post(Buffer.alloc(LIMIT + 4 * 1024 * 1024, 0x20)));
    expect(outcomes).toEqual(outcomes.map(() => ({ answer: { status: 200, code: 413, connection: 'close' } })));
  }, 60_000);

  it('over the limit by less than 256 KiB: the rest is read and the connection kept', async () => {
    const agent = new https.Agent({ keepAlive: true });
    try {
      const outcome = await post(Buffer.alloc(LIMIT + 100 * 1024, 0x20), agent);
      expect(outcome).toEqual({ answer: { status: 200, code: 413, connection: 'keep-alive' } });
    } finally {
      agent.destroy();
    }
  });
});
