// The load generator's transport in a closed loop, for the bench's comparison with h2load at h2load's own shape
// (docs/performance.md#load-generator): one HTTP/2 connection (sim/clients/h2Transport.ts, client-go's transport
// model, dialled from a pod address with the pod's TLS settings), `concurrency` requests in flight, each loop sending
// its next GET as soon as the previous answer has fully arrived, with the headers a client-go pod sends
// (sim/clients/clientGoPod.ts). Runs in its own worker thread, as the clients component does in a scenario.
import tls from 'node:tls';
import { CLIENT_GO_USER_AGENT } from '../../sim/clients/clientGoPod.ts';
import { ClientGoTransport } from '../../sim/clients/h2Transport.ts';
import { defineComponent } from '../../sim/runtime/component.ts';

export interface LoadGeneratorConfig {
  /** Where to connect, and the name to verify and send as SNI and :authority. */
  ip: string;
  port: number;
  servername: string;
  caPem: string;
  token: string;
  /** The pod address connections leave from. */
  sourceIp: string;
}

export interface ClosedLoopResult {
  requests: number;
  failed: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number; max: number };
  connectionsOpened: number;
  seconds: number;
}

async function startLoadGenerator(config: LoadGeneratorConfig) {
  const counters = { opened: 0, goawaysReceived: 0, resets: 0 };
  const dial = () =>
    new Promise<tls.TLSSocket>((resolve, reject) => {
      const socket = tls.connect({
        host: config.ip,
        port: config.port,
        localAddress: config.sourceIp,
        noDelay: true,
        servername: config.servername,
        ca: config.caPem,
        ALPNProtocols: ['h2'],
      } as tls.ConnectionOptions & { localAddress: string });
      socket.once('secureConnect', () => resolve(socket));
      socket.once('error', reject);
    });
  let transport: ClientGoTransport | undefined;
  return {
    info: { ip: config.ip, port: config.port },
    methods: {
      /** `concurrency` loops of GET `path` for `seconds` (after a one-second warm-up on the same connection). */
      async closedLoop(path: string, concurrency: number, seconds: number): Promise<ClosedLoopResult> {
        transport?.close();
        counters.opened = 0;
        transport = new ClientGoTransport(dial, `https://${config.servername}:${config.port}`, counters);
        const t = transport;
        const headers = {
          ':method': 'GET',
          ':path': path,
          ':scheme': 'https',
          ':authority': `${config.servername}:${config.port}`,
          authorization: `Bearer ${config.token}`,
          accept: 'application/json, */*',
          'user-agent': CLIENT_GO_USER_AGENT,
        };
        let measuring = false;
        let requests = 0;
        let failed = 0;
        const latencies: number[] = [];
        const noop = () => undefined;
        // As a client-go pod's requests (clientGoPod.ts execute): the status is read, the body drained.
        const handlers = { onResponse: noop };
        const loop = async (until: number) => {
          while (performance.now() < until) {
            const started = performance.now();
            try {
              await t.request(headers, undefined, handlers);
              if (measuring) {
                requests++;
                latencies.push(performance.now() - started);
              }
            } catch {
              if (measuring) failed++;
            }
          }
        };
        const warmupEnd = performance.now() + 1000;
        const end = warmupEnd + seconds * 1000;
        setTimeout(() => (measuring = true), 1000);
        await Promise.all(Array.from({ length: concurrency }, () => loop(end)));
        latencies.sort((a, b) => a - b);
        const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(q * latencies.length) - 1))] ?? NaN);
        return {
          requests,
          failed,
          perSecond: Math.round(requests / seconds),
          latencyMs: { p50: at(0.5), p99: at(0.99), max: round(latencies.at(-1) ?? NaN) },
          connectionsOpened: counters.opened,
          seconds,
        };
      },
    },
    async close() {
      transport?.close();
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export default defineComponent({ kind: 'load-generator', entry: new URL(import.meta.url), start: startLoadGenerator });
