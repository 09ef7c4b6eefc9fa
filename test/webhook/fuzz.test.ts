// Fuzz: 10,000 seeded AdmissionReviews (half valid with a known expected outcome, half broken in many ways) against
// the real server over HTTP/2 and HTTP/1.1. Every answer must be a well-formed AdmissionReview (right version and uid,
// allowed boolean, status on denial, a patch that applies), valid ones must match the oracle, and the server must
// stay healthy and count every admission.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookCertificates } from '../../webhook/certs.ts';
import { KubeReader } from '../../webhook/kubeReads.ts';
import { startWebhookServer, type WebhookServer } from '../../webhook/server.ts';
import { h1Client, h2Client, type Reply, type WebhookClient } from '../../scripts/webhookRig/webhookClient.ts';
import { startFixtureApiserver, type FixtureApiserver } from '../../scripts/webhookRig/fixtureApiserver.ts';
import { applyResponsePatch } from '../../scripts/webhookRig/pods.ts';
import { generateCases, type GeneratedCase } from './reviewGenerator.ts';

const PATH = '/webhooks/pod-kube-apiserver-load-balancing';
const COUNT = 10_000;
const SEED = 20261125;
const LABEL = 'networking.resources.gardener.cloud/to-istio-gateway-istio-ingressgateway-internal-tcp-9443';
let api: FixtureApiserver;
let server: WebhookServer;
let reader: KubeReader;
let caPem: string;

beforeAll(async () => {
  api = await startFixtureApiserver();
  api.setObject('configmaps', 'ns-l7', 'istio-internal-load-balancing', { data: { hosts: 'api.example.com', 'istio-namespace': 'istio-gateway' } });
  api.setObject('configmaps', 'ns-empty-hosts', 'istio-internal-load-balancing', { data: { hosts: '', 'istio-namespace': 'istio-gateway' } });
  api.setObject('configmaps', 'ns-no-service', 'istio-internal-load-balancing', { data: { hosts: 'api.example.com', 'istio-namespace': 'nowhere' } });
  api.setObject('services', 'istio-gateway', 'istio-ingressgateway-internal', { spec: { clusterIPs: ['10.10.10.10', '3fff::2'] } });
  const certs = await generateWebhookCertificates({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  caPem = certs.caPem;
  reader = new KubeReader({ source: { kind: 'inline', server: api.url, caPem: api.caPem, token: api.token }, cacheTtlMs: 60_000 });
  server = await startWebhookServer({ host: '127.0.0.1', port: 0, tls: certs, reader, logLevel: 'silent' });
});
afterAll(async () => {
  await server?.close();
  reader?.close();
  await api?.close();
});

function check(c: GeneratedCase, reply: Reply): string | undefined {
  if (reply.status !== 200) return `HTTP ${reply.status}`;
  let body: any;
  try {
    body = reply.json();
  } catch {
    return `not JSON: ${reply.text.slice(0, 100)}`;
  }
  if (body?.kind !== 'AdmissionReview') return 'kind is not AdmissionReview';
  if (!['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'].includes(body.apiVersion)) return `apiVersion ${body.apiVersion}`;
  const r = body.response;
  if (typeof r?.allowed !== 'boolean' || typeof r.uid !== 'string') return 'response.allowed/uid missing';
  if (c.uid !== undefined && r.uid !== c.uid) return `uid ${r.uid} != ${c.uid}`;
  if (c.apiVersion !== undefined && body.apiVersion !== c.apiVersion) return `apiVersion ${body.apiVersion} != ${c.apiVersion}`;
  if (!r.allowed && (typeof r.status?.code !== 'number' || typeof r.status.message !== 'string' || r.status.message === '')) return 'denial without status';
  if (r.allowed && r.status !== undefined) return 'allowed with a status';
  if (r.patch !== undefined && r.patchType !== 'JSONPatch') return 'patch without patchType';
  if (c.expect) {
    const got = !r.allowed ? `denied-${r.status.code}` : r.patch ? 'mutated' : 'allowed';
    if (got !== c.expect) return `expected ${c.expect}, got ${got} (${r.status?.message ?? ''})`;
    if (r.patch) {
      let after: any;
      try {
        after = applyResponsePatch(c.object, r.patch);
      } catch (error) {
        return (error as Error).message;
      }
      if (after.metadata.labels?.[LABEL] !== 'allowed') return 'label missing after patch';
      const ips = after.spec.hostAliases.map((a: { ip: string }) => a.ip);
      if (ips.slice(-2).join() !== '10.10.10.10,3fff::2') return `host aliases ${ips}`;
    }
  }
  return undefined;
}

describe('fuzz', () => {
  it(`${COUNT} generated AdmissionReviews get well-formed answers and the server stays healthy`, async () => {
    const clients: WebhookClient[] = [h2Client(server.url, caPem), h2Client(server.url, caPem), h1Client(server.url, caPem)];
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    const outcomes = new Map<string, number>();
    const cases = generateCases(SEED, COUNT);
    let sent = 0;
    const worker = async (w: number) => {
      for (let next = cases.next(); !next.done; next = cases.next()) {
        const c = next.value;
        const client = clients[(w + sent++) % clients.length]!;
        kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
        const reply = await client.post(PATH, c.body, c.contentType ? { 'content-type': c.contentType } : {});
        const problem = check(c, reply);
        if (problem && failures.length < 20) failures.push(`${c.kind}: ${problem}`);
        if (c.expect) outcomes.set(c.expect, (outcomes.get(c.expect) ?? 0) + 1);
      }
    };
    try {
      await Promise.all(Array.from({ length: 32 }, (_, w) => worker(w)));
      expect(failures).toEqual([]);
      expect(sent).toBe(COUNT);
      // The generator covered every broken kind and every expected outcome.
      expect([...kinds.keys()].sort()).toEqual(['bytes', 'content-type', 'json-scalar', 'nesting', 'no-request', 'retyped', 'truncated', 'valid', 'version']);
      for (const outcome of ['mutated', 'allowed', 'denied-403', 'denied-404']) expect(outcomes.get(outcome) ?? 0).toBeGreaterThan(100);
      for (const client of clients) expect((await client.get('/healthz')).text).toBe('ok');
      const metrics = (await clients[0]!.get('/metrics')).text;
      const total = [...metrics.matchAll(/^pod_kube_apiserver_load_balancing_admissions_total\{result="\w+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
      expect(total).toBe(COUNT);
    } finally {
      for (const client of clients) client.close();
    }
  });
});
