// Fixtures for the real-Envoy gateway tests: a plan's certificates and Istio objects (the kind target's renderer), a
// gateway Envoy started from them on 127.0.0.1, small Node HTTPS/HTTP2 servers that stand in for the kube-apiserver
// replicas (only in these unit tests: each answers with what it saw of the request and of the connection), and
// clients. Every process and server is closed, and every directory removed, by `cleanup()` after each test.
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type tls from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { loadScenarioFile } from '../../../../scenarios/loader.ts';
import { issueCertificates, issuedPems, type PemSource } from '../../../../scripts/cluster/certificates.ts';
import { MODES } from '../../../../scripts/cluster/modes.ts';
import { planCluster, type ClusterPlan } from '../../../../scripts/cluster/plan.ts';
import { renderGatewayObjects } from '../../../../scripts/targets/binary/envoy/istioObjects.ts';
import { startGatewayEnvoy, type GatewayEnvoy } from '../../../../scripts/targets/binary/envoy/gatewayEnvoy.ts';
import type { Address } from '../../../../scripts/targets/binary/envoy/endpointFiles.ts';
import { freePort } from '../../../../scripts/targets/binary/freePort.ts';
import { binaryPath } from '../../../helpers/binaries.ts';

const cleanups: (() => Promise<void> | void)[] = [];

export async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn();
}

export interface Planned {
  plan: ClusterPlan;
  pems: PemSource;
}

export async function plannedCluster(mode: 'l7' | 'passthrough'): Promise<Planned> {
  const { scenario } = loadScenarioFile('hot-client');
  const plan = planCluster(scenario.topology, MODES[mode], 1, { clientGroups: scenario.clients });
  return { plan, pems: issuedPems(await issueCertificates(plan.certificates)) };
}

let envoys = 0;

/** A gateway pod's Envoy for the plan, listening on 127.0.0.1, with 2 workers (Istio's gateway chart default). */
export async function gateway(planned: Planned, endpoints: Record<string, Address[]>): Promise<{ gw: GatewayEnvoy; port: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-envoy-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const gw = await startGatewayEnvoy({
    name: `istio-ingressgateway-${envoys}`,
    binary: binaryPath('envoy'),
    objects: renderGatewayObjects([planned]),
    namespace: planned.plan.istioNamespace,
    listen: { ip: '127.0.0.1', port },
    admin: { ip: '127.0.0.1', port: await freePort() },
    workDir: dir,
    concurrency: 2,
    // Hot restart is off; distinct base ids anyway, so that Envoys of parallel test files never share one.
    baseId: 20_000 + (process.pid % 1_000) * 10 + envoys++,
    endpoints,
  });
  cleanups.push(() => gw.close());
  return { gw, port };
}

/** What a stand-in replica saw of one request. */
export interface Seen {
  replica: string;
  httpVersion: string;
  alpn: string | false | null | undefined;
  /** The SNI the replica's own TLS handshake received. */
  servername: string | undefined;
  /** CN of the client certificate on the connection (the gateway's front-proxy certificate on the mTLS cluster). */
  clientCertCn: string | undefined;
  clientCertVerified: boolean;
  headers: Record<string, string | string[] | undefined>;
}

export interface Replica {
  name: string;
  address: Address;
  seen: Seen[];
  connections: number;
  /** Requests for /watch... are answered only when released (a watch: one request in flight for long). */
  held: (() => void)[];
}

/** A stand-in kube-apiserver replica: the plan's serving certificate, HTTP/2 and HTTP/1.1, client certificates verified against ca-front-proxy. */
export async function replica(planned: Planned, name: string): Promise<Replica> {
  const serving = planned.pems.keyPair('kube-apiserver');
  const state: Replica = { name, address: { ip: '127.0.0.1', port: 0 }, seen: [], connections: 0, held: [] };
  const server = http2.createSecureServer(
    {
      key: serving.keyPem,
      cert: serving.certPem,
      allowHTTP1: true,
      requestCert: true,
      rejectUnauthorized: false,
      ca: [planned.pems.authority('ca-front-proxy')],
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      state.seen.push({
        replica: name,
        httpVersion: req.httpVersion,
        alpn: socket.alpnProtocol,
        servername: (socket as TLSSocket & { servername?: string }).servername,
        clientCertCn: peer && 'subject' in peer && peer.subject ? peer.subject.CN : undefined,
        clientCertVerified: socket.authorized,
        headers: { ...req.headers },
      });
      res.setHeader('content-type', 'application/json');
      const answer = () => res.end(JSON.stringify({ replica: name }));
      if (req.url?.startsWith('/watch')) state.held.push(answer);
      else answer();
    },
  );
  const sockets = new Set<TLSSocket>();
  server.on('secureConnection', (socket: TLSSocket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.address.port = (server.address() as { port: number }).port;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // The gateway's pooled upstream connections would keep close() waiting; the test is over, so end them.
        for (const socket of sockets) socket.destroy();
      }),
  );
  return state;
}

export interface ClientOptions {
  servername?: string;
  clientCert?: { certPem: string; keyPem: string };
}

/** One HTTP/2 client connection to the gateway (client-go's one connection per host). */
export async function h2Client(planned: Planned, port: number, o: ClientOptions = {}): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(`https://127.0.0.1:${port}`, {
    ca: planned.pems.authority('ca'),
    servername: o.servername ?? planned.plan.publicHost,
    ...(o.clientCert ? { cert: o.clientCert.certPem, key: o.clientCert.keyPem } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  cleanups.push(() => void session.destroy());
  authorities.set(session, planned.plan.publicHost);
  return session;
}

/** The :authority a client sends: the public host without a port, as client-go does for https://<host>. */
const authorities = new WeakMap<http2.ClientHttp2Session, string>();

export interface Answer {
  status: number;
  body: string;
}

export function h2Get(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'GET', ':path': '/api/v1/namespaces/default/configmaps', ':authority': authorities.get(session), ...headers });
    let status = 0;
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => resolve({ status, body }));
    stream.on('error', reject);
    stream.end();
  });
}

/** One HTTP/1.1 request on its own TLS connection (ALPN http/1.1 only). */
export function h1Get(planned: Planned, port: number): Promise<Answer> {
  // node:https passes TLS options such as ALPNProtocols through to tls.connect (its type does not list them).
  const options: https.RequestOptions & Pick<tls.ConnectionOptions, 'ALPNProtocols'> = {
    host: '127.0.0.1',
    port,
    path: '/version',
    servername: planned.plan.publicHost,
    headers: { host: planned.plan.publicHost },
    ca: planned.pems.authority('ca'),
    ALPNProtocols: ['http/1.1'],
    agent: false,
  };
  return new Promise((resolve, reject) => {
    const request = https.request(options, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** Requests in sequence on one connection; returns how many each replica answered. */
export async function countByReplica(session: http2.ClientHttp2Session, requests: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < requests; i++) {
    const answer = await h2Get(session);
    if (answer.status !== 200) throw new Error(`request ${i}: HTTP ${answer.status}: ${answer.body}`);
    const name = (JSON.parse(answer.body) as { replica: string }).replica;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
