// Helpers for the tests of the binary target's network: `itWithNetwork(...binaries)` runs a test only as root with
// ip/iptables/sysctl present (and the named binaries built); otherwise it is skipped with a one-line reason, and
// under CI=true it fails instead (.ci/run runs as root, installs iproute2 and iptables, builds the binaries).
// routingTable() reads a namespace's routes, both families, every table; startEchoServers() and getInto() are a server
// inside a namespace and a request to it through the run's tunnel.
import http from 'node:http';
import { execa } from 'execa';
import { itUnless } from '../../../helpers/requirement.ts';
import type { BinaryName } from '../../../../scripts/binaries/components.ts';
import { locateBinary, missingBinaryMessage } from '../../../../scripts/binaries/locate.ts';
import { pollUntil } from '../../../../scripts/core/poll.ts';
import { ManagedProcess } from '../../../../scripts/targets/binary/managedProcess.ts';
import { networkProblems, run } from '../../../../scripts/targets/binary/network/hostTools.ts';
import { repositoryAccessProblem } from '../../../../scripts/targets/binary/repositoryAccess.ts';
import type { NetworkRun } from '../../../../scripts/targets/binary/network/networkRun.ts';

export function itWithNetwork(...binaries: BinaryName[]) {
  const missing = binaries.find((b) => !locateBinary(b));
  return itUnless(
    networkProblems()[0] ?? (missing ? missingBinaryMessage(missing) : undefined) ?? (binaries.length > 0 ? repositoryAccessProblem() : undefined),
  );
}

/** Every route of a namespace, IPv4 and IPv6, in every table, one normalised line each. */
export async function routingTable(namespace: string): Promise<{ v4: string[]; v6: string[] }> {
  const read = async (family: '-4' | '-6') =>
    (await run('ip', [family, '-n', namespace, 'route', 'show', 'table', 'all']))
      .split('\n')
      .map((l) => l.trim().replace(/\s+/g, ' '))
      .filter(Boolean);
  return { v4: await read('-4'), v6: await read('-6') };
}

/**
 * A small HTTP server inside a namespace, listening on `port` of each address; it answers every request with the
 * address the connection came in on and closes the connection (one request per connection).
 */
const ECHO_SERVER = `
const http = require('node:http');
const [port, ...addresses] = process.argv.slice(1);
let listening = 0;
for (const address of addresses) {
  const server = http.createServer((req, res) => {
    res.setHeader('connection', 'close');
    res.end(req.socket.localAddress + ' ' + req.socket.remoteAddress);
  });
  server.listen(Number(port), address, () => {
    if (++listening === addresses.length) console.log('listening');
  });
}
`;

export async function startEchoServers(network: NetworkRun, enter: string[], port: number, addresses: string[]): Promise<ManagedProcess> {
  const server = network.adopt(
    new ManagedProcess({ name: `echo-${port}`, command: process.execPath, args: ['-e', ECHO_SERVER, String(port), ...addresses], prefix: enter }),
  );
  await pollUntil(
    () => {
      if (!server.running) throw new Error(server.describeExit());
      return server.lastLines().includes('listening');
    },
    (ok) => ok,
    { timeoutMs: 10_000, what: `echo servers on ${addresses.join(', ')}:${port}` },
  );
  return server;
}

/** GET http://host:port/ into the node namespace through the run's tunnel; resolves with status and body. */
export function getInto(network: NetworkRun, host: string, port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const agent = network.tunnel.httpAgent();
    const request = http.get({ host, port, path, agent, timeout: 5_000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`GET ${host}:${port}${path} timed out`)));
    request.on('error', reject);
    request.on('close', () => agent.destroy());
  });
}

/**
 * `count` requests to `url`, each on a NEW TCP connection (no agent, Connection: close), at most `parallel` at a
 * time, from a Node process inside a namespace. Resolves with the answers per backend address (what the echo
 * servers reply), the client addresses the backends saw, and the errors.
 */
const CONNECTIONS_CLIENT = `
const http = require('node:http');
const [url, count, parallel] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const byBackend = {}, sources = {}, errors = [];
let started = 0, finished = 0;
function next() {
  if (started >= count) return;
  started++;
  const done = () => { if (++finished === count) console.log(JSON.stringify({ byBackend, sources, errors })); else next(); };
  const req = http.get(url, { agent: false, headers: { connection: 'close' }, timeout: 5000 }, (res) => {
    let body = '';
    res.on('data', (c) => (body += c));
    res.on('end', () => {
      const [backend, source] = body.split(' ');
      byBackend[backend] = (byBackend[backend] || 0) + 1;
      sources[source] = (sources[source] || 0) + 1;
      done();
    });
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => { errors.push(e.message); done(); });
}
for (let i = 0; i < parallel; i++) next();
`;

export interface ConnectionCounts {
  byBackend: Record<string, number>;
  sources: Record<string, number>;
  errors: string[];
}

export async function connectionsFrom(enter: string[], url: string, count: number, parallel = 8): Promise<ConnectionCounts> {
  const result = await execa(enter[0]!, [...enter.slice(1), process.execPath, '-e', CONNECTIONS_CLIENT, url, String(count), String(parallel)], {
    timeout: 60_000,
  });
  return JSON.parse(result.stdout) as ConnectionCounts;
}
