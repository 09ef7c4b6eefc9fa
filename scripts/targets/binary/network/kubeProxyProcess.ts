// The real kube-proxy (v1.34.10, `npm run binaries`) in iptables mode inside the node namespace
// (docs/binary-target-network.md#kube-proxy): it watches the seed kube-apiserver's Services and EndpointSlices and
// programs the node namespace's nat table, which every pod's traffic to a ClusterIP crosses (PREROUTING, from the
// bridge) and every node process's too (OUTPUT). Started after its Node object exists; ready once its /healthz says
// healthy (pkg/proxy/healthcheck/proxy_health.go: 200 after the first successful sync of every IP family), read
// through the run's tunnel. Registered with the run, so close() stops it.
import fs from 'node:fs';
import path from 'node:path';
import { pollUntil } from '../../../core/poll.ts';
import { getText } from '../httpGet.ts';
import { ManagedProcess } from '../managedProcess.ts';
import { NODE_ADDRESS } from './addresses.ts';
import { pathWithSbin } from './hostTools.ts';
import { HEALTHZ_PORT, kubeProxyConfiguration, kubeProxyKubeconfig, METRICS_PORT, nodeObject, type SeedAccess } from './kubeProxyConfig.ts';
import type { NetworkRun } from './networkRun.ts';

export interface KubeProxyOptions {
  network: NetworkRun;
  binary: string;
  seed: SeedAccess;
  /** Creates the Node object in the seed (the target's client); called before kube-proxy starts. */
  createNode: (node: object) => Promise<void>;
  /** Default: the node namespace's name. */
  nodeName?: string;
  startTimeoutMs?: number;
}

export interface KubeProxy {
  process: ManagedProcess;
  nodeName: string;
  /** GET /metrics on its metrics address (through the tunnel). */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

export async function startKubeProxy(o: KubeProxyOptions): Promise<KubeProxy> {
  const nodeName = o.nodeName ?? o.network.node.name;
  const dir = path.join(o.network.dir, 'kube-proxy');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const kubeconfigPath = path.join(dir, 'kubeconfig.json');
  const configPath = path.join(dir, 'config.json');
  fs.writeFileSync(kubeconfigPath, JSON.stringify(kubeProxyKubeconfig(o.seed), null, 2), { mode: 0o600 });
  fs.writeFileSync(configPath, JSON.stringify(kubeProxyConfiguration({ nodeName, kubeconfigPath }), null, 2));
  await o.createNode(nodeObject(nodeName));
  const process_ = o.network.adopt(
    new ManagedProcess({
      name: 'kube-proxy',
      command: o.binary,
      args: [`--config=${configPath}`, `--hostname-override=${nodeName}`, '--v=2'],
      // kube-proxy runs iptables-save/-restore from $PATH (they live in sbin).
      env: { ...process.env, PATH: pathWithSbin() },
      logFile: path.join(dir, 'kube-proxy.log'),
      prefix: o.network.node.enter,
    }),
  );
  const agent = o.network.tunnel.httpAgent({ keepAlive: false });
  const get = (port: number, urlPath: string) => getText(`http://${NODE_ADDRESS}:${port}${urlPath}`, { agent }, 2_000);
  try {
    await pollUntil(
      async () => {
        if (!process_.running) throw new Error(process_.describeExit());
        return get(HEALTHZ_PORT, '/healthz').then(
          (r) => r.status === 200 && (JSON.parse(r.body) as { healthy?: boolean }).healthy === true,
          () => false,
        );
      },
      (healthy) => healthy,
      { timeoutMs: o.startTimeoutMs ?? 60_000, intervalMs: 200, what: `kube-proxy /healthz at ${NODE_ADDRESS}:${HEALTHZ_PORT}` },
    );
  } catch (error) {
    await process_.stop(1_000);
    throw error;
  }
  return {
    process: process_,
    nodeName,
    metrics: async () => (await get(METRICS_PORT, '/metrics')).body,
    stop: async () => void (await process_.stop(5_000)),
  };
}
