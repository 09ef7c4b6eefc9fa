// HAProxy as the bench's reference L7 balancer, configured to do the same work as the simulated gateway: TLS
// termination with the kube-apiserver's certificate, HTTP/2 downstream and upstream (multiplexed upstream connections,
// `http-reuse always`), verified upstream TLS with SNI kubernetes.default.svc.cluster.local, the headers the gateway
// sets or removes (X-Forwarded-For/-Proto, X-Request-Id, no client X-Remote-User/-Group), per-request balancing.
// Balancing: `random(2)` is HAProxy's power-of-two-choices (it draws two servers and keeps the less loaded one, the
// same rule as Envoy's LEAST_REQUEST with choice_count 2), `roundrobin` the classic. HAProxy 2.6 configuration
// manual, sections 4.2 "balance", "http-reuse", 5.2 "alpn", "sni", "verify".
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { IN_CLUSTER_API_HOST } from '../cluster/certificates.ts';

export type HaproxyBalance = 'random(2)' | 'roundrobin';

export interface HaproxyOptions {
  bin: string;
  dir: string;
  ip: string;
  port: number;
  balance: HaproxyBalance;
  /** nbthread: 1 matches one gateway worker thread (one Envoy worker). */
  threads: number;
  replicas: { ip: string; port: number }[];
  serving: { certPem: string; keyPem: string };
  caPem: string;
}

export interface RunningHaproxy {
  version: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

export function haproxyConfig(options: HaproxyOptions): string {
  const pem = path.join(options.dir, 'haproxy.pem');
  const ca = path.join(options.dir, 'ca.pem');
  return [
    'global',
    `  nbthread ${options.threads}`,
    '  maxconn 4000',
    'defaults',
    '  mode http',
    '  timeout connect 5s',
    '  timeout client 60s',
    '  timeout server 60s',
    'frontend gateway',
    `  bind ${options.ip}:${options.port} ssl crt ${pem} alpn h2,http/1.1`,
    '  option forwardfor',
    '  unique-id-format %{+X}o%ci:%cp_%fi:%fp_%Ts_%rt:%pid',
    '  http-request set-header X-Request-Id %[unique-id]',
    '  http-request set-header X-Forwarded-Proto https',
    '  http-request del-header X-Remote-User',
    '  http-request del-header X-Remote-Group',
    '  default_backend apiservers',
    'backend apiservers',
    `  balance ${options.balance}`,
    '  http-reuse always',
    ...options.replicas.map((r, i) => `  server r${i} ${r.ip}:${r.port} ssl verify required ca-file ${ca} sni str(${IN_CLUSTER_API_HOST}) alpn h2`),
    '',
  ].join('\n');
}

export async function startHaproxy(options: HaproxyOptions): Promise<RunningHaproxy> {
  fs.writeFileSync(path.join(options.dir, 'haproxy.pem'), `${options.serving.certPem}\n${options.serving.keyPem}\n`, { mode: 0o600 });
  fs.writeFileSync(path.join(options.dir, 'ca.pem'), options.caPem);
  const file = path.join(options.dir, `haproxy-${options.balance.replace(/\W/g, '')}.cfg`);
  fs.writeFileSync(file, haproxyConfig(options));
  const check = await execa(options.bin, ['-c', '-f', file], { reject: false, timeout: 20_000 });
  if (check.exitCode !== 0) throw new Error(`haproxy rejected its config: ${check.stderr || check.stdout}`);
  const version = String((await execa(options.bin, ['-v'], { reject: false })).stdout).split('\n')[0] ?? '';
  // -db: stay in the foreground; execa's cleanup kills it if this process dies.
  const child: ResultPromise = execa(options.bin, ['-db', '-f', file], { reject: false, cleanup: true });
  await waitForPort(options.ip, options.port, child);
  return {
    version,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      const exited = await Promise.race([child.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000).unref())]);
      if (!exited) {
        child.kill('SIGKILL');
        await child;
      }
    },
  };
}

async function waitForPort(ip: string, port: number, child: ResultPromise): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${String((await child).stderr)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: ip, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`haproxy did not listen on ${ip}:${port} within 10 s`);
}
