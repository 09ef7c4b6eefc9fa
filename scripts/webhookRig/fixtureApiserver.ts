// A small real HTTPS kube-apiserver stand-in for the webhook's reads: GET a namespaced ConfigMap or Service, in
// the real JSON shapes (the object with 200, a v1 Status with 404/403/..., bearer-token 401), over HTTP/1.1 like
// @kubernetes/client-node 1.x speaks. It counts TCP connections and requests so tests can prove connection reuse,
// and can inject faults (a Status error, a non-Status 500, a delay) per object. Used by the webhook's tests and its
// benchmark (scripts/bench/webhookBench.ts).
import https from 'node:https';
import type net from 'node:net';
import { createCertificateAuthority, issueCertificate } from '../../webhook/x509.ts';

export type Resource = 'configmaps' | 'services';
export type Fault =
  | { kind: 'status'; code: number; reason: string; message: string }
  | { kind: 'plain'; code: number; body: string }
  | { kind: 'delay'; ms: number }
  | { kind: 'reset' };

export interface FixtureApiserver {
  url: string;
  host: string;
  port: number;
  caPem: string;
  token: string;
  stats: { connections: number; requests: number; byPath: Map<string, number> };
  setObject(resource: Resource, namespace: string, name: string, object: Record<string, unknown>): void;
  deleteObject(resource: Resource, namespace: string, name: string): void;
  setFault(resource: Resource, namespace: string, name: string, fault: Fault | undefined): void;
  close(): Promise<void>;
}

const KINDS: Record<Resource, string> = { configmaps: 'ConfigMap', services: 'Service' };
const PATH = /^\/api\/v1\/namespaces\/([^/]*)\/(configmaps|services)\/([^/?]+)$/;

export async function startFixtureApiserver(options: { host?: string; token?: string } = {}): Promise<FixtureApiserver> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? 'webhook-token';
  const ca = await createCertificateAuthority('fixture apiserver CA');
  const serving = await issueCertificate(ca, {
    commonName: 'kube-apiserver',
    dnsNames: ['kubernetes.default.svc', 'localhost'],
    ipAddresses: [host],
    usage: 'server',
  });
  const objects = new Map<string, Record<string, unknown>>();
  const faults = new Map<string, Fault>();
  const stats = { connections: 0, requests: 0, byPath: new Map<string, number>() };
  const sockets = new Set<net.Socket>();
  let resourceVersion = 1;

  const status = (res: import('node:http').ServerResponse, code: number, reason: string, message: string, details?: unknown) => {
    const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'audit-id': `fixture-${stats.requests}` });
    res.end(body);
  };

  const server = https.createServer({ key: serving.keyPem, cert: serving.certPem, keepAliveTimeout: 30_000 }, async (req, res) => {
    stats.requests++;
    const path = (req.url ?? '').split('?')[0]!;
    stats.byPath.set(path, (stats.byPath.get(path) ?? 0) + 1);
    if (req.headers.authorization !== `Bearer ${token}`) return status(res, 401, 'Unauthorized', 'Unauthorized');
    const match = PATH.exec(path);
    if (req.method !== 'GET' || !match) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const [, namespace, resource, name] = match as unknown as [string, string, Resource, string];
    const key = `${resource}/${namespace}/${name}`;
    const fault = faults.get(key);
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'status') return status(res, fault.code, fault.reason, fault.message);
    if (fault?.kind === 'plain') {
      res.writeHead(fault.code, { 'content-type': 'text/plain' });
      return void res.end(fault.body);
    }
    const object = objects.get(key);
    if (!object) return status(res, 404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });
    const body = JSON.stringify(object);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.on('connection', (socket: net.Socket) => {
    stats.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `https://${host}:${port}`,
    host,
    port,
    caPem: ca.certPem,
    token,
    stats,
    setObject(resource, namespace, name, object) {
      objects.set(`${resource}/${namespace}/${name}`, {
        apiVersion: 'v1',
        kind: KINDS[resource],
        ...object,
        metadata: { name, namespace, uid: `uid-${resourceVersion}`, resourceVersion: String(resourceVersion++), ...(object.metadata as object | undefined) },
      });
    },
    deleteObject(resource, namespace, name) {
      objects.delete(`${resource}/${namespace}/${name}`);
    },
    setFault(resource, namespace, name, fault) {
      const key = `${resource}/${namespace}/${name}`;
      if (fault) faults.set(key, fault);
      else faults.delete(key);
    },
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}
