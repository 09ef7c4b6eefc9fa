// The simulator's http1-pool pod (sim/clients/http1PoolPod.ts, autocannon 9) against a real HTTPS server over
// HTTP/1.1: the connections it reports opened are the TCP connections the server accepted, reconnects included
// (reconnectRate replaces a connection after that many requests, docs/load-client.md#the-http1-pool-profile). It used
// to report the pool's size whatever happened.
import https from 'node:https';
import type net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1PoolPod } from '../../sim/clients/http1PoolPod.ts';
import { systemPodNetwork } from '../../sim/clients/podNetwork.ts';
import { Rng } from '../../scripts/core/random.ts';
import { waitFor } from '../../scripts/core/poll.ts';
import { createCertificateAuthority, issueCertificate } from '../../webhook/x509.ts';
import { testClientPod } from '../helpers/clientPodSpec.ts';

let server: https.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** An HTTP/1.1 kube-apiserver stand-in: every answer carries an Audit-Id; it counts the TCP connections it accepts. */
async function startServer(): Promise<{ port: number; caPem: string; accepted: () => number }> {
  const ca = await createCertificateAuthority('http1 pool test CA');
  const serving = await issueCertificate(ca, { commonName: 'kube-apiserver', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usage: 'server' });
  let accepted = 0;
  server = https.createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
    req.resume();
    res.writeHead(req.method === 'POST' ? 201 : 200, { 'audit-id': `a-${Math.random()}`, 'content-type': 'application/json' });
    res.end('{}');
  });
  server.on('connection', () => accepted++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, caPem: ca.certPem, accepted: () => accepted };
}

describe('the simulated http1-pool pod', () => {
  it('reports every TCP connection it opened, the reconnects after every reconnectRate-th request included', async () => {
    const s = await startServer();
    const url = `https://127.0.0.1:${s.port}`;
    const spec = testClientPod(
      { ip: '127.0.0.1', aliasIp: '127.0.0.1', server: url, caPem: s.caPem, token: 't' },
      { profile: 'http1-pool', rate: 20, http1: { connections: 2, reconnectRate: 5 }, mix: [{ verb: 'get', resource: 'leases', weight: 1, objects: 1 }] },
    );
    const pod = new Http1PoolPod(spec, { network: systemPodNetwork(), rng: new Rng(1) });
    await pod.prepare();
    const before = s.accepted();
    const result = await pod.run({ durationMs: 1500, maxRequests: 1000 }, performance.now());
    pod.close();
    // 30 requests over 2 connections, a new connection after every 5th request of each: well beyond the pool's 2.
    expect(result.connections.opened).toBeGreaterThanOrEqual(6);
    // The last reconnects may reach the server just after run() returned.
    await waitFor(() => s.accepted() - before === result.connections.opened, {
      timeoutMs: 5000,
      what: `the server to accept the ${result.connections.opened} connections reported (accepted ${s.accepted() - before})`,
    });
  });
});
