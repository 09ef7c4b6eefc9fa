// A TCP port that is free on an address right now, for components that must be told their port on the command line
// (etcd, kube-apiserver and Envoy started on 127.0.0.1 by the bench and the tests).
//
// Hard-won: the port must come from OUTSIDE the kernel's ephemeral range. Asking the kernel (listen on port 0) hands
// out a port of net.ipv4.ip_local_port_range (32768-60999 by default), and so does every outgoing connection's
// source port and every other `listen(0)` on the machine. Between our listener closing and the component binding the
// port a moment later, another test's client connection to 127.0.0.1 could take it as its source port: a CI run lost
// a test to Envoy's "cannot bind '127.0.0.1:45179': Address already in use" that way. Below the ephemeral range the
// kernel never hands a port out by itself, so only another explicit bind can collide; the port is picked at random
// among those (distinct within this process) and checked by binding it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';

/** The lowest port handed out; below it are the well-known and registered ports components use by default. */
export const FIRST_PORT = 16_384;
const LINUX_DEFAULT_EPHEMERAL_LOW = 32_768;
const ATTEMPTS = 200;

/** The first port of the kernel's ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range). */
export function ephemeralLow(rangeFile = '/proc/sys/net/ipv4/ip_local_port_range'): number {
  try {
    const low = Number(fs.readFileSync(rangeFile, 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : LINUX_DEFAULT_EPHEMERAL_LOW;
  } catch {
    return LINUX_DEFAULT_EPHEMERAL_LOW;
  }
}

/** Ports this process handed out: two calls in a row (a listener and its admin port) never get the same one. */
const handedOut = new Set<number>();

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const low = ephemeralLow();
  const span = low - FIRST_PORT;
  if (span < 1_000) throw new Error(`freePort: the ephemeral range starts at ${low}, leaving no room above ${FIRST_PORT}`);
  for (let i = 0; i < ATTEMPTS; i++) {
    // Unseeded on purpose: parallel test files (separate processes) must not draw the same sequence.
    const port = FIRST_PORT + crypto.randomInt(span);
    if (handedOut.has(port)) continue;
    if (await bindable(port, host)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`freePort: no free port on ${host} in ${FIRST_PORT}-${low - 1} after ${ATTEMPTS} attempts`);
}
