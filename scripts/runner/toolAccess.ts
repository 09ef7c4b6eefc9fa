// Access for tools outside the simulator: a "tools" pod admitted through the webhook like any control-plane pod
// (so it gets the hostAlias and the policy label in L7 mode), a pod proxy that shares that pod's network view, and
// kubeconfigs for the ClusterIP path, the gateway path and each replica. Used by `npm run sim` and the tests.
import fs from 'node:fs';
import path from 'node:path';
import type { SimulatedCluster } from '../../sim/cluster.ts';
import { renderKubeconfig } from '../../sim/kube/kubeconfig.ts';
import { systemPodIp } from '../../sim/network/addresses.ts';
import { startPodProxy } from '../../sim/network/podProxy.ts';
import { startInProcessComponent } from '../../sim/runtime/startComponent.ts';
import type { ComponentHandle } from '../../sim/runtime/component.ts';

export const TOOL_GROUP = 'tools';

export interface WrittenAccess {
  dir: string;
  files: { file: string; what: string }[];
  /** kubeconfig file name (e.g. gateway.kubeconfig) → absolute path. */
  kubeconfigs: Record<string, string>;
  proxies: { pod: string; url: string; hostAliases: string }[];
  /** The tools pod's bearer token (also written to <dir>/token). */
  token: string;
  caFile: string;
}

/**
 * Two tool pods are admitted through the webhook like any control-plane pod: one whose generic kubeconfig points at
 * https://kube-apiserver and one at the public name (mutated with the hostAlias and policy label). Each gets a pod
 * proxy so that external tools share its network view.
 */
export async function writeToolAccess(cluster: SimulatedCluster, outDir: string, proxies: ComponentHandle<{ url: string }>[]): Promise<WrittenAccess> {
  const dir = path.resolve(outDir);
  fs.mkdirSync(dir, { recursive: true });
  const pods = await cluster.admitClientPods([
    { name: TOOL_GROUP, count: 1, profile: 'client-go', qps: 5, burst: 10, rate: 1, arrival: 'constant', mix: [{ verb: 'get', resource: 'leases', weight: 1, objects: 1 }], watches: [], maxRetries: 10, http1: { connections: 1 } },
  ]);
  const pod = pods[0]!;
  const proxy = await startInProcessComponent('pod-proxy', startPodProxy, {
    listenIp: systemPodIp(cluster.plan, 10),
    listenPort: 0,
    pod: { name: pod.name, namespace: pod.namespace, ip: pod.ip, hostAliases: pod.hostAliases },
    services: cluster.services,
    privilegedPortOffset: cluster.plan.privilegedPortOffset,
  });
  proxies.push(proxy);

  const vip = (name: string) => cluster.kubeProxyListeners.find((l) => l.service.endsWith(`/${name}`))!;
  const apiVip = vip('kube-apiserver');
  const gwVip = vip('istio-ingressgateway-internal');
  const token = pod.kubeconfig.token;
  const ca = cluster.pki.clusterCaPem;
  const files: WrittenAccess['files'] = [];
  const kubeconfigs: WrittenAccess['kubeconfigs'] = {};
  const write = (file: string, what: string, yaml: string) => {
    fs.writeFileSync(path.join(dir, file), yaml, { mode: 0o600 });
    files.push({ file: path.join(dir, file), what });
    kubeconfigs[file] = path.join(dir, file);
  };
  write('clusterip.kubeconfig', `ClusterIP path: VIP ${apiVip.ip}:${apiVip.hostPort} + tls-server-name kube-apiserver (kube-proxy, L4 per connection)`,
    renderKubeconfig({ contextName: 'clusterip', server: `https://${apiVip.ip}:${apiVip.hostPort}`, tlsServerName: 'kube-apiserver', caPem: ca, token }));
  write('gateway.kubeconfig', `gateway path: https://${cluster.publicHost} through pod ${pod.name}'s network (hostAlias → ${gwVip.ip}; TLS termination, per-request LB)`,
    renderKubeconfig({ contextName: 'gateway', server: `https://${cluster.publicHost}`, proxyUrl: proxy.info.url, caPem: ca, token }));
  write('gateway-vip.kubeconfig', `gateway VIP ${gwVip.ip}:${gwVip.hostPort} + tls-server-name: SNI ≠ :authority, so the gateway answers 421 as Gardener's misdirected-requests filter does (curl/h2load can set :authority)`,
    renderKubeconfig({ contextName: 'gateway-vip', server: `https://${gwVip.ip}:${gwVip.hostPort}`, tlsServerName: cluster.publicHost, caPem: ca, token }));
  write('gateway-mtls.kubeconfig', 'gateway path with a client certificate (ca-client): the gateway sets X-Remote-User/Group and uses the front-proxy mTLS upstream',
    renderKubeconfig({ contextName: 'gateway-mtls', server: `https://${cluster.publicHost}`, proxyUrl: proxy.info.url, caPem: ca, clientCertPem: cluster.pki.adminClient.certPem, clientKeyPem: cluster.pki.adminClient.keyPem }));
  for (const replica of cluster.replicas) {
    write(`${replica.name}.kubeconfig`, `replica ${replica.name} directly`, renderKubeconfig({ contextName: replica.name, server: `https://${replica.ip}:${replica.port}`, tlsServerName: 'kube-apiserver', caPem: ca, token }));
  }
  fs.writeFileSync(path.join(dir, 'ca.crt'), ca);
  fs.writeFileSync(path.join(dir, 'token'), `${token}\n`, { mode: 0o600 });
  return { dir, files, kubeconfigs, token, caFile: path.join(dir, 'ca.crt'), proxies: [{ pod: `${pod.namespace}/${pod.name}`, url: proxy.info.url, hostAliases: pod.hostAliases.map((a) => `${a.ip}=${a.hostnames.join(',')}`).join(' ') || '(none)' }] };
}

