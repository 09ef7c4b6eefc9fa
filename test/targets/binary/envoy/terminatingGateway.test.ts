// The L7 gateway on real Envoy 1.37 (docs/binary-target-envoy.md): the Istio objects the kind target renders,
// translated into a bootstrap, with real TLS on 127.0.0.1. The upstreams are small Node HTTPS/HTTP2 servers with the
// plan's kube-apiserver serving certificate that stand in for kube-apiserver replicas in these tests only; each
// reports what it saw (headers, HTTP version, the client certificate of the gateway's connection). Checked: Gardener's
// Lua filters (X-Remote-* stripped, identity from a client certificate over the mTLS cluster, 421 on SNI ≠ :authority
// and on a request by address), LEAST_REQUEST spreading one HTTP/2 connection's requests, HTTP/2 and HTTP/1.1
// upstream by the client's protocol, endpoints changed through the watched EDS file while Envoy runs, and the
// admin stats the runner reads.
import { afterEach, describe, expect } from 'vitest';
import tls from 'node:tls';
import { KUBE_APISERVER_SERVICE_NAME } from '../../../../scripts/cluster/gardener.ts';
import { outboundClusterName } from '../../../../scripts/targets/binary/envoy/envoyTypes.ts';
import { waitFor } from '../../../../scripts/core/poll.ts';
import { itWithBinaries } from '../../../helpers/binaries.ts';
import { cleanup, countByReplica, gateway, h1Get, h2Client, h2Get, plannedCluster, replica, type Planned, type Replica } from './gatewayFixture.ts';

afterEach(cleanup);

const it = itWithBinaries('envoy');

const cluster = (planned: Planned, suffix = '') =>
  outboundClusterName(`${KUBE_APISERVER_SERVICE_NAME}${suffix}.${planned.plan.namespace}.svc.cluster.local`, 443);

/** Every L7 cluster of the control plane served by the same replicas (the three Services select the same pods). */
async function l7Gateway(replicaCount: number) {
  const planned = await plannedCluster('l7');
  const replicas: Replica[] = [];
  for (let i = 0; i < replicaCount; i++) replicas.push(await replica(planned, `kube-apiserver-${i}`));
  const addresses = replicas.map((r) => r.address);
  const endpoints = Object.fromEntries(['', '-mtls', '-connection-upgrade'].map((s) => [cluster(planned, s), addresses]));
  return { planned, replicas, ...(await gateway(planned, endpoints)) };
}

const allSeen = (replicas: Replica[]) => replicas.flatMap((r) => r.seen);

describe('the terminating gateway on real Envoy', () => {
  it('never forwards a client-supplied X-Remote-User or X-Remote-Group, and token clients reach the SIMPLE cluster', async () => {
    const { planned, replicas, port } = await l7Gateway(1);
    const session = await h2Client(planned, port);
    const answer = await h2Get(session, { 'x-remote-user': 'system:admin', 'x-remote-group': 'system:masters', authorization: 'Bearer t' });
    expect(answer.status).toBe(200);
    const [seen] = allSeen(replicas);
    expect(seen!.headers['x-remote-user']).toBeUndefined();
    expect(seen!.headers['x-remote-group']).toBeUndefined();
    expect(seen!.headers.authorization).toBe('Bearer t');
    // The default cluster is TLS SIMPLE: the gateway presents no client certificate to the replica.
    expect(seen!.clientCertCn).toBeUndefined();
    expect(seen!.servername).toBe('kubernetes.default.svc.cluster.local');
  });

  it('forwards the identity of a client certificate as X-Remote-User/Group over the mTLS cluster with its front-proxy certificate', async () => {
    const { planned, replicas, port, gw } = await l7Gateway(1);
    const session = await h2Client(planned, port, { clientCert: planned.pems.keyPair('admin-client') });
    const answer = await h2Get(session, { 'x-remote-user': 'mallory', 'x-remote-group': 'evil' });
    expect(answer.status).toBe(200);
    const [seen] = allSeen(replicas);
    expect(seen!.headers['x-remote-user']).toBe('system:admin');
    expect(seen!.headers['x-remote-group']).toBe('system:masters');
    expect(seen!.clientCertCn).toBe('system:istio-gateway');
    expect(seen!.clientCertVerified).toBe(true);
    const stats = await gw.stats();
    expect(stats.clusters[cluster(planned, '-mtls')]!.upstreamRqTotal).toBe(1);
    expect(stats.clusters[cluster(planned)]!.upstreamRqTotal).toBe(0);
  });

  it('answers 421 when :authority is not the SNI, and 421 for a request to the gateway by address', async () => {
    const { planned, replicas, port } = await l7Gateway(1);
    const session = await h2Client(planned, port);
    const other = await h2Get(session, { ':authority': 'api.other.example' });
    const byAddress = await h2Get(session, { ':authority': `127.0.0.1:${port}` });
    const own = await h2Get(session, { ':authority': `${planned.plan.publicHost}:443` });
    expect([other.status, other.body]).toEqual([421, 'Misdirected Request']);
    expect([byAddress.status, byAddress.body]).toEqual([421, 'Misdirected Request']);
    expect(own.status).toBe(200);
    expect(allSeen(replicas)).toHaveLength(1);
    // Without an SNI (a client that dials the address sends none) no filter chain matches: the connection is closed.
    const error = await new Promise<Error>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca: planned.pems.authority('ca'), rejectUnauthorized: false });
      socket.once('secureConnect', () => resolve(new Error('handshake succeeded')));
      socket.once('error', resolve);
    });
    expect(error.message).toMatch(/ECONNRESET|socket disconnected before secure TLS connection/);
  });

  it('spreads the requests of one HTTP/2 client connection over 3 replicas (LEAST_REQUEST), as the admin stats count them', async () => {
    const { planned, replicas, port, gw } = await l7Gateway(3);
    const session = await h2Client(planned, port);
    const counts = await countByReplica(session, 300);
    // Sequential requests leave every host at 0 active, so P2C picks uniformly: 100 each, sd 8.2; bound ±40 (5 sd).
    for (const r of replicas) expect(counts[r.name] ?? 0, JSON.stringify(counts)).toBeGreaterThanOrEqual(60);
    for (const r of replicas) expect(counts[r.name] ?? 0, JSON.stringify(counts)).toBeLessThanOrEqual(140);
    const hosts = (await gw.stats()).clusters[cluster(planned)]!.hosts;
    for (const r of replicas) expect(hosts[`${r.address.ip}:${r.address.port}`]!.rqTotal).toBe(r.seen.length);
    const stats = await gw.stats();
    expect(stats.downstreamCxActive).toBe(1);
    expect(stats.downstreamCxActivePerWorker).toHaveLength(2);
  });

  it("LEAST_REQUEST: a replica with a request in flight wins only when both P2C draws land on it (1/9 of 3 replicas, Envoy's own simulation test)", async () => {
    const { planned, replicas, port, gw } = await l7Gateway(3);
    const session = await h2Client(planned, port);
    const watch = h2Get(session, { ':path': '/watch?timeoutSeconds=60' });
    await waitFor(() => replicas.some((r) => r.held.length === 1), { timeoutMs: 5_000, what: 'the watch to reach a replica' });
    const busy = replicas.find((r) => r.held.length === 1)!;
    const hosts = (await gw.stats()).clusters[cluster(planned)]!.hosts;
    expect(hosts[`${busy.address.ip}:${busy.address.port}`]!.rqActive).toBe(1);
    const counts = await countByReplica(session, 270);
    // least_request_lb_simulation_test.cc: {44.45, 44.45, 11.1} %; 270 requests give the busy one 30 (sd 5.2), round
    // robin or random would give it 90. Bound: at most 55.
    expect(counts[busy.name] ?? 0, JSON.stringify(counts)).toBeLessThanOrEqual(55);
    for (const r of replicas.filter((x) => x !== busy)) expect(counts[r.name] ?? 0, JSON.stringify(counts)).toBeGreaterThanOrEqual(90);
    busy.held.splice(0).forEach((answer) => answer());
    expect((await watch).status).toBe(200);
  });

  it('speaks the client protocol upstream: HTTP/2 for an HTTP/2 client, HTTP/1.1 for an HTTP/1.1 client', async () => {
    const { planned, replicas, port, gw } = await l7Gateway(1);
    expect((await h2Get(await h2Client(planned, port))).status).toBe(200);
    expect((await h1Get(planned, port)).status).toBe(200);
    expect(allSeen(replicas).map((s) => [s.httpVersion, s.alpn])).toEqual([
      ['2.0', 'h2'],
      ['1.1', 'http/1.1'],
    ]);
    const stats = (await gw.stats()).clusters[cluster(planned)]!;
    expect([stats.upstreamCxHttp2Total, stats.upstreamCxHttp1Total]).toEqual([1, 1]);
  });

  it('takes endpoint changes from the watched EDS file while it runs (a host added, then all but it removed)', async () => {
    const planned = await plannedCluster('l7');
    const [a, b, c] = [await replica(planned, 'a'), await replica(planned, 'b'), await replica(planned, 'c')];
    const { gw, port } = await gateway(planned, { [cluster(planned)]: [a.address, b.address] });
    const pid = gw.envoy.process.pid;
    const session = await h2Client(planned, port);
    expect(Object.keys(await countByReplica(session, 40)).sort()).toEqual(['a', 'b']);
    await gw.setEndpoints(cluster(planned), [a.address, b.address, c.address]);
    const afterAdd = await countByReplica(session, 90);
    // Uniform over 3: c expects 30 of 90 (sd 4.5); at least 10.
    expect(afterAdd.c ?? 0, JSON.stringify(afterAdd)).toBeGreaterThanOrEqual(10);
    await gw.setEndpoints(cluster(planned), [c.address]);
    expect(await countByReplica(session, 20)).toEqual({ c: 20 });
    expect(gw.envoy.process.pid).toBe(pid);
    expect(gw.envoy.process.running).toBe(true);
  });

  it('drains as pilot-agent does on SIGTERM: after the graceful drain the next response on a connection carries a GOAWAY; then Envoy stops', async () => {
    const { planned, replicas, port, gw } = await l7Gateway(1);
    const session = await h2Client(planned, port);
    const goaways: number[] = [];
    session.on('goaway', (code: number) => goaways.push(code));
    const watch = h2Get(session, { ':path': '/watch' });
    await waitFor(() => replicas[0]!.held.length === 1, { timeoutMs: 5_000, what: 'the watch to reach the replica' });
    await gw.drain();
    // Envoy's HTTP connection manager decides at the end of a stream whether to drain its connection: with
    // --drain-strategy immediate every decision after the drain started says yes (the gradual default says yes with a
    // probability growing over --drain-time-s 45 s); a connection busy with one long watch hears nothing until then.
    expect(goaways).toEqual([]);
    replicas[0]!.held.splice(0).forEach((answer) => answer());
    expect((await watch).status).toBe(200);
    await waitFor(() => goaways.length > 0, { timeoutMs: 2_000, what: 'a GOAWAY after the response' });
    expect(goaways).toEqual([0]);
    await expect(h2Get(session)).rejects.toThrow('New streams cannot be created after receiving a GOAWAY');
    expect((await gw.envoy.admin('/stats?filter=downstream_cx_drain_close$')).body).toContain('http.outbound_0.0.0.0_9443.downstream_cx_drain_close: 1');
    expect(gw.envoy.process.running).toBe(true);
    // terminate(): the drain again (idempotent), terminationDrainDuration, then the process is stopped.
    await gw.terminate(200);
    expect(gw.envoy.process.running).toBe(false);
  });
});
