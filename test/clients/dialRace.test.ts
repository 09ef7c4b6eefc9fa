// The simulated client-go transport dials as net/http + x/net do (docs/client-go.md#dials-after-a-miss-one-per-waiting-request),
// on real sockets: the server holds every TCP connection before its TLS handshake, so the test sees how many dials
// the waiting requests started before any of them finishes, then lets them finish.
import { afterEach, describe, expect, it } from 'vitest';
import { ClientGoTransport, TransportError, type TransportCounters } from '../../sim/clients/h2Transport.ts';
import { dialPod, podEndpoint } from '../../sim/clients/podDialer.ts';
import { systemPodNetwork } from '../../sim/clients/podNetwork.ts';
import { waitFor } from '../../scripts/core/poll.ts';
import { testClientPod } from '../helpers/clientPodSpec.ts';
import { DialRaceServer, type DialRaceServerOptions } from './dialRaceServer.ts';

type Outcome = { status: number } | { error: TransportError };

describe('client-go transport: one dial per waiting request', () => {
  let server: DialRaceServer | undefined;
  let transport: ClientGoTransport | undefined;
  let counters: TransportCounters;
  afterEach(async () => {
    transport?.close();
    await server?.close();
    transport = server = undefined;
  });

  async function start(options: DialRaceServerOptions): Promise<void> {
    server = await DialRaceServer.start(options);
    const server_ = `https://127.0.0.1:${server.port}`;
    const pod = testClientPod(
      { ip: '127.0.0.1', aliasIp: '127.0.0.1', server: server_, caPem: server.caPem, token: 't' },
      { kubeconfig: { server: server_, caPem: server.caPem, token: 't', tlsServerName: 'localhost' } },
    );
    const endpoint = podEndpoint(pod);
    counters = { opened: 0, goawaysReceived: 0, resets: 0 };
    transport = new ClientGoTransport(() => dialPod(pod, endpoint, systemPodNetwork(), ['h2']), `https://${endpoint.authority}`, counters);
  }

  /** Starts `n` GETs; their outcomes fill `into` as they settle. */
  function send(n: number, into: Outcome[]): Promise<void>[] {
    const headers = { ':method': 'GET', ':path': '/api/v1/namespaces/default/configmaps/a', ':scheme': 'https', ':authority': `127.0.0.1:${server!.port}` };
    return Array.from({ length: n }, async () => {
      let status = 0;
      try {
        await transport!.request(headers, undefined, { onResponse: (h) => (status = Number(h[':status'])) });
        into.push({ status });
      } catch (error) {
        into.push({ error: error as TransportError });
      }
    });
  }

  const until = (what: string, condition: () => boolean) => waitFor(condition, { timeoutMs: 5000, what });

  it('N requests missing at once: N dials; the first to finish serves all N, the other N-1 are closed unused', async () => {
    await start({ handshake: 'hold' });
    const outcomes: Outcome[] = [];
    const sent = send(8, outcomes);
    await until('8 dials held before their TLS handshake', () => server!.held.length === 8);
    server!.release();
    await Promise.all(sent);
    expect(outcomes).toEqual(Array.from({ length: 8 }, () => ({ status: 200 })));
    expect(server!.used.map((c) => c.requests)).toEqual([8]);
    await until('7 connections closed by the client without a request', () => server!.closedUnused.length === 7);
    expect(counters.opened).toBe(8);
    expect(transport!.openConnections).toBe(1);
  });

  it('after a GOAWAY, k requests waiting start k dials, and one new connection carries them', async () => {
    await start({ handshake: 'hold' });
    const first: Outcome[] = [];
    const one = send(1, first);
    await until('the first dial', () => server!.held.length === 1);
    server!.release();
    await Promise.all(one);
    server!.goawayAll();
    await until('the GOAWAY read by the client', () => counters.goawaysReceived === 1);
    const outcomes: Outcome[] = [];
    const sent = send(5, outcomes);
    await until('5 dials held', () => server!.held.length === 5);
    server!.release();
    await Promise.all(sent);
    expect(outcomes).toEqual(Array.from({ length: 5 }, () => ({ status: 200 })));
    expect(server!.used.map((c) => c.requests)).toEqual([1, 5]);
    await until('4 dials closed unused', () => server!.closedUnused.length === 4);
    expect(counters.opened).toBe(1 + 5);
  });

  it('a dial that fails fails its own request only, while it is still waiting; the others are served', async () => {
    await start({ handshake: 'hold' });
    const outcomes: Outcome[] = [];
    const sent = send(4, outcomes);
    await until('4 dials held', () => server!.held.length === 4);
    server!.resetHeld();
    await until('the reset dial failing its request', () => outcomes.length === 1);
    server!.release();
    await Promise.all(sent);
    const failed = outcomes.filter((o): o is { error: TransportError } => 'error' in o);
    expect(failed.map((o) => [o.error.kind, o.error.sent])).toEqual([['connect', false]]);
    expect(outcomes.filter((o) => 'status' in o && o.status === 200)).toHaveLength(3);
    // The reset one had its TCP connection: the Go load client's dialer counts it too.
    expect(counters.opened).toBe(4);
  });

  it('a dial that finishes when no connection can take a stream is kept, and takes the next request', async () => {
    await start({ handshake: 'hold', maxConcurrentStreams: 2, holdAnswers: true });
    const outcomes: Outcome[] = [];
    const a = send(1, outcomes);
    await until('the first dial', () => server!.held.length === 1);
    server!.release();
    await until('the server SETTINGS acknowledged on connection 1', () => server!.connections[0]?.settingsAcked === true);
    await until('request A on connection 1', () => server!.connections[0]!.requests === 1);
    const bc = send(1, outcomes); // fills connection 1 (2 streams)
    await until('connection 1 full', () => server!.connections[0]!.requests === 2);
    const de = send(2, outcomes);
    await until('2 dials held (connection 1 full)', () => server!.held.length === 2);
    server!.release(1);
    await until('D and E on connection 2', () => server!.connections[1]?.requests === 2 && server!.connections[1].settingsAcked);
    server!.release(1); // connection 2 is full too: addConnIfNeeded keeps this one
    // The client acknowledges SETTINGS once it made the connection one of its pool's.
    await until('connection 3 in the client pool', () => server!.connections[2]?.settingsAcked === true);
    const f = send(1, outcomes);
    await until('request F on connection 3', () => server!.connections[2]!.requests === 1);
    server!.answerHeld();
    await Promise.all([...a, ...bc, ...de, ...f]);
    expect(outcomes).toEqual(Array.from({ length: 5 }, () => ({ status: 200 })));
    expect(counters.opened).toBe(3);
    expect(server!.accepted).toHaveLength(3);
    expect(server!.closedUnused).toEqual([]);
  });
});
