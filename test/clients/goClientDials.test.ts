// The real client-go (the Go load client, scripts/loadclient) and the simulated client-go pod against the same kind of
// HTTP/2 TLS server, which sends a graceful GOAWAY after every GOAWAY_AFTER requests of a connection and makes every
// TLS handshake wait HANDSHAKE_DELAY_MS: both must open the same number of connections per reconnect
// (docs/client-go.md#dials-after-a-miss-one-per-waiting-request). The rule: after a GOAWAY every request that arrives
// before the first new connection is up dials one, so at a constant RATE a reconnect costs about
// RATE × (HANDSHAKE_DELAY_MS + handshake) dials, of which one is kept and carries the requests. Measured (2026-12-06):
// client-go 9.7 per reconnect, the simulated transport 9.3 (1.0 before it dialled per waiting request).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect } from 'vitest';
import { ClientGoPod } from '../../sim/clients/clientGoPod.ts';
import { systemPodNetwork } from '../../sim/clients/podNetwork.ts';
import { Rng } from '../../scripts/core/random.ts';
import { renderKubeconfig } from '../../scripts/cluster/kubeconfig.ts';
import { binaryPath, itWithBinaries } from '../helpers/binaries.ts';
import { testClientPod } from '../helpers/clientPodSpec.ts';
import { DialRaceServer } from './dialRaceServer.ts';
import { waitFor } from '../../scripts/core/poll.ts';
import type { ClientPodSpec, ClientRunResult } from '../../scripts/core/clientPod.ts';

const RATE = 100;
const HANDSHAKE_DELAY_MS = 100;
const GOAWAY_AFTER = 50;
const DURATION_MS = 3000;
const MAX_REQUESTS = 300;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-client-dials-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Run {
  result: Pick<ClientRunResult, 'connections' | 'finalByCode' | 'errors'>;
  /** Connections that carried requests: the first and one per reconnect. */
  used: number;
  /** Connections the server accepted (TCP). */
  accepted: number;
  goawaysSent: number;
}

function spec(server: DialRaceServer, rate = RATE): ClientPodSpec {
  const url = `https://127.0.0.1:${server.port}`;
  return testClientPod(
    { ip: '127.0.0.1', aliasIp: '127.0.0.1', server: url, caPem: server.caPem, token: 't' },
    { rate, arrival: 'constant', kubeconfig: { server: url, caPem: server.caPem, token: 't', tlsServerName: 'localhost' } },
  );
}

async function measure(runClient: (pod: ClientPodSpec) => Promise<Run['result']>): Promise<Run> {
  const server = await DialRaceServer.start({ handshake: HANDSHAKE_DELAY_MS, goawayAfter: GOAWAY_AFTER });
  try {
    const result = await runClient(spec(server));
    return { result, used: server.used.length, accepted: server.accepted.length, goawaysSent: server.goawaysSent };
  } finally {
    await server.close();
  }
}

interface Load {
  durationMs: number;
  maxRequests: number;
  drainMs: number;
}

const GOAWAY_LOAD: Load = { durationMs: DURATION_MS, maxRequests: MAX_REQUESTS, drainMs: 5000 };

async function runGo(pod: ClientPodSpec, load = GOAWAY_LOAD): Promise<Run['result']> {
  const specFile = path.join(dir, 'spec.json');
  const kubeconfig = path.join(dir, 'kubeconfig');
  const out = path.join(dir, 'result.json');
  const { profile, qps, burst, rate, arrival, mix, watches, http1, maxRetries } = pod;
  fs.writeFileSync(specFile, JSON.stringify({ group: pod.group, profile, qps, burst, rate, arrival, mix, watches, http1, maxRetries, randomSeed: 1 }));
  fs.writeFileSync(kubeconfig, renderKubeconfig({ contextName: 'test', ...pod.kubeconfig }));
  const args = ['run', '--spec', specFile, '--kubeconfig', kubeconfig, '--duration', `${load.durationMs}ms`, '--max-requests', `${load.maxRequests}`];
  args.push('--drain-timeout', `${load.drainMs}ms`, '--result', out);
  const run = await execa(binaryPath('loadclient'), args, { reject: false, all: true, timeout: 60_000 });
  expect(run.exitCode, run.all).toBe(0);
  return JSON.parse(fs.readFileSync(out, 'utf8')) as ClientRunResult;
}

async function runSimulated(pod: ClientPodSpec, load = GOAWAY_LOAD): Promise<Run['result']> {
  const client = new ClientGoPod(pod, { network: systemPodNetwork(), rng: new Rng(1) });
  await client.prepare();
  return client.run({ durationMs: load.durationMs, maxRequests: load.maxRequests, drainTimeoutMs: load.drainMs }, performance.now());
}

/** Dials per reconnect: every connection opened after the first, per connection that took over the requests. */
const dialsPerReconnect = (run: Run) => (run.result.connections.opened - 1) / (run.used - 1);

describe('connections opened after GOAWAYs: the real client-go and the simulated one', () => {
  itWithBinaries('loadclient')(
    'open the same number of connections per reconnect, one per request waiting, one kept',
    async () => {
      const real = await measure(runGo);
      const simulated = await measure(runSimulated);
      console.log(
        `dials per reconnect at ${RATE}/s with a ${HANDSHAKE_DELAY_MS} ms handshake: client-go ${dialsPerReconnect(real).toFixed(1)} ` +
          `(${real.result.connections.opened} opened, ${real.used} used, ${real.goawaysSent} GOAWAYs), simulated ${dialsPerReconnect(simulated).toFixed(1)} ` +
          `(${simulated.result.connections.opened} opened, ${simulated.used} used, ${simulated.goawaysSent} GOAWAYs)`,
      );
      // The rule's figure: the dials of the requests that arrive during one reconnect window, which lasts the
      // handshake delay plus the TLS handshake and timer slack (under 30 ms here): between RATE × delay and
      // RATE × (delay + 30 ms) requests, give or take the arrival at each end of the window.
      const fewest = (RATE * HANDSHAKE_DELAY_MS) / 1000 - 2;
      const most = (RATE * (HANDSHAKE_DELAY_MS + 30)) / 1000 + 2;
      for (const run of [real, simulated]) {
        expect(run.result.errors).toEqual({});
        expect(run.used).toBeGreaterThanOrEqual(4); // enough reconnects for a mean
        expect(run.result.connections.opened).toBeLessThanOrEqual(run.accepted);
        expect(dialsPerReconnect(run)).toBeGreaterThanOrEqual(fewest);
        expect(dialsPerReconnect(run)).toBeLessThanOrEqual(most);
      }
      // And the two agree within the jitter of one arrival per reconnect each.
      expect(Math.abs(dialsPerReconnect(real) - dialsPerReconnect(simulated))).toBeLessThanOrEqual(2);
    },
    120_000,
  );
  // Waiting requests beyond the stream limit of the connection that wakes them dial again (net/http: the request
  // asks the pool, gets ErrNoCachedConn, drops the token and queues a new dial). After a GOAWAY that follows the
  // warm-up, 150 requests wait, each with its dial held; one dial is let through and its connection takes 100 (the
  // server's SETTINGS_MAX_CONCURRENT_STREAMS, and Go's 100 until SETTINGS arrive) with their answers held, so the
  // other 50 must dial again: 149 + 50 dials held.
  itWithBinaries('loadclient')(
    "let the waiting requests beyond the new connection's stream limit dial again",
    async () => {
      for (const [name, runClient] of [
        ['client-go', runGo],
        ['simulated', runSimulated],
      ] as const) {
        const server = await DialRaceServer.start({
          handshake: 'hold',
          passFirst: 1,
          goawayAfter: 3,
          goawayConnections: 1,
          maxConcurrentStreams: 100,
          holdAnswers: true,
        });
        try {
          const done = runClient(spec(server, 1000), { durationMs: 1000, maxRequests: 150, drainMs: 20_000 });
          const held = (n: number, what: string) => waitFor(() => server.held.length === n, { timeoutMs: 5000, what: `${name}: ${what}` });
          await held(150, '150 dials held after the GOAWAY');
          server.release(1);
          await held(149 + 50, "the 50 requests beyond the new connection's 100 streams dialling again");
          server.answerAll();
          server.release();
          const result = await done;
          expect(result.finalByCode, name).toEqual({ '200': 150 });
          expect(result.connections.opened, name).toBeGreaterThanOrEqual(1 + 150 + 50);
        } finally {
          await server.close();
        }
      }
    },
    120_000,
  );
});
