// How a client-go pod accounts for answers the gateway made itself (no Audit-Id): those that say the request reached a
// replica and was lost there (503 "connection termination" / "remote reset", 504 route timeout) are in doubt for
// conservation, since the replica may have counted them; "connection failure" and "no healthy upstream" never reached
// one (sim/network/envoyLocalReply.ts, docs/measurement.md#conservation). A fake gateway on real TLS/HTTP/2 sockets.
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { clientPodIp, replicaIp } from '../../scripts/cluster/addresses.ts';
import clientPods from '../../sim/clients/clients.ts';
import { upstreamFailureText, UPSTREAM_TIMEOUT_TEXT } from '../../sim/network/envoyLocalReply.ts';
import { startInProcessComponent } from '../../sim/runtime/startComponent.ts';
import { createCertificateAuthority, issueCertificate } from '../../webhook/x509.ts';
import { testClientPod } from '../helpers/clientPodSpec.ts';
import { leaseTestAddresses } from '../helpers/controlPlane.ts';

/** What the fake gateway answers to the n-th GET: [status, body]. */
const GATEWAY_ANSWERS: [number, string][] = [
  [503, upstreamFailureText('connection termination')],
  [503, upstreamFailureText('remote reset')],
  [504, UPSTREAM_TIMEOUT_TEXT],
  [503, upstreamFailureText('connection failure')],
  [503, 'no healthy upstream'],
];
const LOST_AFTER_SEND = 3;

describe('client-go pod and gateway-made answers', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('counts a request lost after it reached a replica as in doubt, and one that never reached one not', async () => {
    const { lease, addresses } = await leaseTestAddresses();
    cleanups.push(() => lease.release());
    const ca = await createCertificateAuthority('fake gateway CA');
    const ip = replicaIp(addresses, 0);
    const tls = await issueCertificate(ca, { commonName: 'gateway', dnsNames: ['api.test.example'], usage: 'server' });
    let gets = 0;
    const server = http2.createSecureServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
      req.resume();
      if (req.method === 'POST') {
        // The warm-up: the lease the mix reads, and the SelfSubjectReview. A kube-apiserver's answers carry Audit-Id.
        res.writeHead(201, { 'content-type': 'application/json', 'audit-id': 'a' });
        res.end(JSON.stringify({ status: { userInfo: { username: 'u', groups: [] } } }));
        return;
      }
      const [status, body] = GATEWAY_ANSWERS[gets++ % GATEWAY_ANSWERS.length]!;
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, ip, resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;

    const pod = testClientPod(
      { ip: clientPodIp(addresses, 0), aliasIp: ip, server: `https://api.test.example:${port}`, caPem: ca.certPem, token: 't' },
      { rate: 50, mix: [{ verb: 'get', resource: 'leases', weight: 1, objects: 1 }], http1: { connections: 1 } },
    );
    const clients = await startInProcessComponent(clientPods, {
      name: 'clients',
      config: { randomSeed: 1, pods: [pod], services: [], privilegedPortOffset: addresses.privilegedPortOffset, clusterDomain: 'cluster.local' },
    });
    cleanups.push(() => clients.close());
    expect((await clients.remote.prepare()).failed).toEqual([]);
    const [result] = await clients.remote.run({ durationMs: 1000, maxRequests: GATEWAY_ANSWERS.length * 4, drainTimeoutMs: 5000 });

    // Exactly four rounds of the five answers; none retried (no Retry-After), none counted as an apiserver answer.
    expect(gets).toBe(GATEWAY_ANSWERS.length * 4);
    expect(result!.finalGatewayByCode).toEqual({ '503': 16, '504': 4 });
    expect(result!.answeredByCode).toEqual({});
    expect(result!.inDoubt).toBe(LOST_AFTER_SEND * 4);
  });
});
