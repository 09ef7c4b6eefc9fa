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

function spec(server: DialRaceServer): ClientPodSpec {
  const url = `https://127.0.0.1:${server.port}`;
  return testClientPod(
    { ip: '127.0.0.1', aliasIp: '127.0.0.1', server: url, caPem: server.caPem, token: 't' },
    { rate: RATE, arrival: 'constant', kubeconfig: { server: url, caPem: server.caPem, token: 't', tlsServerName: 'localhost' } },
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

async function runGo(pod: ClientPodSpec): Promise<Run['result']> {
  const specFile = path.join(dir, 'spec.json');
  const kubeconfig = path.join(dir, 'kubeconfig');
  const out = path.join(dir, 'result.json');
  const { profile, qps, burst, rate, arrival, mix, watches, http1, maxRetries } = pod;
  fs.writeFileSync(specFile, JSON.stringify({ group: pod.group, profile, qps, burst, rate, arrival, mix, watches, http1, maxRetries, randomSeed: 1 }));
  fs.writeFileSync(kubeconfig, renderKubeconfig({ contextName: 'test', ...pod.kubeconfig }));
  const args = ['run', '--spec', specFile, '--kubeconfig', kubeconfig, '--duration', `${DURATION_MS}ms`, '--max-requests', `${MAX_REQUESTS}`, '--result', out];
  const run = await execa(binaryPath('loadclient'), args, { reject: false, all: true, timeout: 60_000 });
  expect(run.exitCode, run.all).toBe(0);
  return JSON.parse(fs.readFileSync(out, 'utf8')) as ClientRunResult;
}

async function runSimulated(pod: ClientPodSpec): Promise<Run['result']> {
  const client = new ClientGoPod(pod, { network: systemPodNetwork(), rng: new Rng(1) });
  await client.prepare();
  return client.run({ durationMs: DURATION_MS, maxRequests: MAX_REQUESTS, drainTimeoutMs: 5000 }, performance.now());
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
});
