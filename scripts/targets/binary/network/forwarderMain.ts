// The forwarder that runs INSIDE the node's network namespace (docs/binary-target-network.md#how-the-runner-reaches-inside):
// `node --import tsx forwarderMain.ts <unix socket path>`. A Unix socket lives in the file system, not in a network
// namespace, so the runner in the machine's own namespace can connect to it while no network link joins the two.
// Protocol, per connection: the client's first line is `<IPv4> <port>\n`; the forwarder opens a TCP connection to that
// address from inside the namespace and from then on copies bytes both ways, half-closes included. A bad first line
// or a failed connect closes the connection (the reason goes to stderr, i.e. the forwarder's log). It prints `ready`
// once it listens, and exits on SIGTERM/SIGINT or when the process that started it is gone.
import fs from 'node:fs';
import net from 'node:net';
import { EXIT_BAD_INPUT, EXIT_RUNTIME } from '../../../core/exitCodes.ts';

const MAX_HEADER = 64;
const HEADER = /^(\d{1,3}(?:\.\d{1,3}){3}) (\d{1,5})$/;
const CONNECT_TIMEOUT_MS = 10_000;
const PARENT_CHECK_MS = 1_000;

function handle(client: net.Socket): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const newline = buffered.indexOf(0x0a);
    if (newline === -1) {
      if (buffered.length > MAX_HEADER) refuse(client, 'no header line in the first 64 bytes');
      return;
    }
    client.off('data', onData);
    client.pause();
    const header = buffered.subarray(0, newline).toString('latin1');
    const rest = buffered.subarray(newline + 1);
    const match = HEADER.exec(header);
    const port = Number(match?.[2]);
    if (!match || !net.isIPv4(match[1]!) || port < 1 || port > 65_535) return refuse(client, `bad header ${JSON.stringify(header)}`);
    connect(client, match[1]!, port, rest);
  };
  client.on('data', onData);
  client.on('error', () => client.destroy());
}

function connect(client: net.Socket, host: string, port: number, rest: Buffer): void {
  const upstream = net.createConnection({ host, port, allowHalfOpen: true, noDelay: true, timeout: CONNECT_TIMEOUT_MS });
  upstream.once('timeout', () => upstream.destroy(new Error(`connect timed out after ${CONNECT_TIMEOUT_MS} ms`)));
  upstream.once('connect', () => {
    upstream.setTimeout(0);
    if (rest.length > 0) upstream.write(rest);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  });
  upstream.on('error', (error) => {
    if (!upstream.connecting) return client.destroy();
    refuse(client, `${host}:${port}: ${error.message}`);
  });
  // An error or reset on one side resets the other; an orderly close is left to the ends the pipes pass on, so that
  // bytes still queued for the other side are delivered before it closes too.
  client.on('error', () => upstream.destroy());
  client.on('close', (hadError) => {
    if (hadError || upstream.connecting) upstream.destroy();
  });
  upstream.on('close', (hadError) => {
    if (hadError) client.destroy();
  });
}

function refuse(client: net.Socket, reason: string): void {
  process.stderr.write(`forwarder: ${reason}\n`);
  client.destroy();
}

function main(): void {
  const socketPath = process.argv[2];
  if (!socketPath) {
    process.stderr.write('usage: forwarderMain.ts <unix socket path>\n');
    process.exit(EXIT_BAD_INPUT);
  }
  fs.rmSync(socketPath, { force: true });
  const server = net.createServer({ allowHalfOpen: true }, handle);
  server.on('error', (error) => {
    process.stderr.write(`forwarder: ${error.message}\n`);
    process.exit(EXIT_RUNTIME);
  });
  server.listen(socketPath, () => {
    fs.chmodSync(socketPath, 0o600);
    process.stdout.write('ready\n');
  });
  const stop = () => {
    server.close();
    fs.rmSync(socketPath, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // When the runner dies (even by SIGKILL) we are re-parented: then we go too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, PARENT_CHECK_MS).unref();
}

main();
