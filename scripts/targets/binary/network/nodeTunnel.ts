// How the runner, in the machine's own network namespace, reaches a TCP address inside the node's namespace without
// any link between the two (docs/binary-target-network.md#how-the-runner-reaches-inside): it connects to the
// forwarder's Unix socket (forwarderMain.ts runs inside the namespace) and names the address in a first line; the
// rest of the connection is the TCP stream. connectInto() returns that socket at once, so it serves as
// `createConnection` for node:http, node:https (as the `socket` under TLS) and node:http2 alike; exposeOnLoopback()
// gives programs that only take a URL (kubectl) a 127.0.0.1 port that leads there.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '../../../core/poll.ts';
import { ManagedProcess } from '../managedProcess.ts';

const FORWARDER = fileURLToPath(new URL('./forwarderMain.ts', import.meta.url));
const REPOSITORY = path.resolve(path.dirname(FORWARDER), '../../../..');

export interface NodeTunnel {
  socketPath: string;
  process: ManagedProcess;
  /** A stream to host:port inside the node namespace (usable at once; bytes written early are sent once connected). */
  connectInto(host: string, port: number): net.Socket;
  /** An http.Agent whose every connection goes into the node namespace, to the request's own host and port. */
  httpAgent(options?: http.AgentOptions): http.Agent;
  /** The same for https: TLS runs end to end over the tunnel (the runner verifies the component's certificate). */
  httpsAgent(options?: https.AgentOptions): https.Agent;
  /** A 127.0.0.1 listener in the machine's namespace whose every connection is tunnelled to host:port. */
  exposeOnLoopback(host: string, port: number): Promise<LoopbackExposure>;
  close(): Promise<void>;
}

export interface LoopbackExposure {
  /** 127.0.0.1 */
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the forwarder inside the namespace (`enter` = `ip netns exec <ns>`) and waits until it listens. */
export async function startNodeTunnel(enter: string[], socketPath: string, logFile: string): Promise<NodeTunnel> {
  const process_ = new ManagedProcess({
    name: 'node-forwarder',
    command: process.execPath,
    args: ['--import', 'tsx', FORWARDER, socketPath],
    cwd: REPOSITORY,
    logFile,
    prefix: enter,
  });
  try {
    await pollUntil(
      () => {
        if (!process_.running) throw new Error(process_.describeExit());
        return process_.lastLines(5).includes('ready');
      },
      (ready) => ready,
      { timeoutMs: 20_000, intervalMs: 50, what: `the node forwarder listening on ${socketPath}` },
    );
  } catch (error) {
    await process_.stop(1_000);
    throw error;
  }
  const exposures = new Set<LoopbackExposure>();
  const connectInto = (host: string, port: number) => {
    if (!net.isIPv4(host) || !Number.isInteger(port) || port < 1 || port > 65_535)
      throw new Error(`connectInto: ${host}:${port} is not an IPv4 address and port`);
    const socket = net.createConnection({ path: socketPath, allowHalfOpen: true });
    socket.write(`${host} ${port}\n`);
    return socket;
  };
  return {
    socketPath,
    process: process_,
    connectInto,
    httpAgent: (options) => tunnelledHttpAgent(connectInto, options),
    httpsAgent: (options) => tunnelledHttpsAgent(connectInto, options),
    async exposeOnLoopback(host, port) {
      const exposure = await loopbackListener(() => connectInto(host, port));
      exposures.add(exposure);
      return { ...exposure, close: () => (exposures.delete(exposure), exposure.close()) };
    },
    async close() {
      await Promise.all([...exposures].map((e) => e.close()));
      exposures.clear();
      await process_.stop(2_000);
    },
  };
}

type Connect = (host: string, port: number) => net.Socket;

function tunnelledHttpAgent(connectInto: Connect, options: http.AgentOptions = {}): http.Agent {
  const agent = new http.Agent(options);
  agent.createConnection = (o: net.NetConnectOpts & { host?: string; port?: number }) => connectInto(o.host ?? '', Number(o.port));
  return agent;
}

function tunnelledHttpsAgent(connectInto: Connect, options: https.AgentOptions = {}): https.Agent {
  const agent = new https.Agent(options);
  agent.createConnection = (o: tls.ConnectionOptions & { host?: string; port?: number }) => {
    const host = o.host ?? '';
    // The SNI is the request's servername, or its host when that is a name (Node sends no SNI for an IP address).
    const servername = o.servername ?? (net.isIP(host) ? undefined : host);
    return tls.connect({ ...o, socket: connectInto(host, Number(o.port)), ...(servername ? { servername } : {}) });
  };
  return agent;
}

function loopbackListener(open: () => net.Socket): Promise<LoopbackExposure> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (local) => {
    const remote = open();
    for (const s of [local, remote]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    local.setNoDelay(true);
    local.pipe(remote);
    remote.pipe(local);
    local.on('error', () => remote.destroy());
    remote.on('error', () => local.destroy());
    local.on('close', (hadError) => hadError && remote.destroy());
    remote.on('close', (hadError) => hadError && local.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      resolve({
        host: '127.0.0.1',
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
