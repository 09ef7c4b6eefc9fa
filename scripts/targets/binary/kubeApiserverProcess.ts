// One kube-apiserver as a process (docs/binary-target.md#kube-apiserver): started with the flags it is given, ready
// once its /readyz answers `ok` over TLS (the same probe the kubelet's readiness check makes), with the CA that signed
// its serving certificate, or without verification when it made its own self-signed one (--cert-dir).
import https from 'node:https';
import { pollUntil } from '../../core/poll.ts';
import { getText } from './httpGet.ts';
import { ConnectorAgent, type Connector } from './kubeApi.ts';
import { ManagedProcess } from './managedProcess.ts';

export interface KubeApiserverOptions {
  name: string;
  binary: string;
  args: string[];
  /** https://host:port of its secure port. */
  url: string;
  /** The CA of its serving certificate; undefined: do not verify (a self-signed --cert-dir certificate). */
  caPem?: string;
  logFile?: string;
  prefix?: string[];
  startTimeoutMs?: number;
  /** How to reach it when it runs in another network namespace (default: directly). */
  connect?: Connector;
  /** Sent with every probe and get (e.g. a bearer token: the shoot's replicas refuse anonymous requests). */
  headers?: Record<string, string>;
}

export interface KubeApiserverProcess {
  process: ManagedProcess;
  url: string;
  /** GET a path on it (anonymous unless headers say otherwise). */
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

export async function startKubeApiserver(o: KubeApiserverOptions): Promise<KubeApiserverProcess> {
  const process = new ManagedProcess({ name: o.name, command: o.binary, args: o.args, logFile: o.logFile, prefix: o.prefix });
  const tlsOptions = { keepAlive: true, ...(o.caPem ? { ca: o.caPem } : { rejectUnauthorized: false }) };
  const agent = o.connect ? new ConnectorAgent(o.connect, tlsOptions) : new https.Agent(tlsOptions);
  const get = (path: string, headers: Record<string, string> = {}) => getText(`${o.url}${path}`, { agent, headers: { ...o.headers, ...headers } });
  const close = async () => {
    await process.stop(10_000);
    agent.destroy();
  };
  try {
    await pollUntil(
      async () => {
        if (!process.running) throw new Error(process.describeExit());
        return get('/readyz').then(
          (r) => r.status === 200 && r.body === 'ok',
          () => false,
        );
      },
      (ok) => ok,
      { timeoutMs: o.startTimeoutMs ?? 60_000, intervalMs: 200, what: `${o.name} /readyz at ${o.url}` },
    );
  } catch (error) {
    await close();
    throw error;
  }
  return { process, url: o.url, get, close };
}
