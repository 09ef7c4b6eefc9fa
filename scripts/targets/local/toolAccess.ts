// Access for tools outside the simulator: a "tools" pod admitted through the webhook like any control-plane pod
// (so it gets the hostAlias and the policy label in L7 mode), a pod proxy that shares that pod's network view, and
// kubeconfigs for the ClusterIP path, the gateway path and each replica. Used by `npm run sim` and the tests.
import fs from 'node:fs';
import path from 'node:path';
import podProxy from '../../../sim/network/podProxy.ts';
import { startInProcessComponent } from '../../../sim/runtime/startComponent.ts';
import type { HandleOf } from '../../../sim/runtime/component.ts';
import { systemPodIp } from '../../cluster/addresses.ts';
import { renderKubeconfig } from '../../cluster/kubeconfig.ts';
import { ClientGroup } from '../../../scenarios/schema.ts';
import type { LocalCluster } from './localCluster.ts';

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
export type PodProxyHandle = HandleOf<typeof podProxy>;

export async function writeToolAccess(cluster: LocalCluster, outDir: string, proxies: PodProxyHandle[]): Promise<WrittenAccess> {
  const dir = path.resolve(outDir);
  fs.mkdirSync(dir, { recursive: true });
  const { admitted, rejected } = await cluster.admitClientPods([
    ClientGroup.parse({ name: TOOL_GROUP, rate: 1, arrival: 'constant', http1: { connections: 1 } }),
  ]);
  const pod = admitted[0];
  if (!pod) throw new Error(`the tools pod was not admitted: ${rejected.map((r) => `${r.code} ${r.message}`).join('; ')}`);
  const plan = cluster.plan;
  const proxy = await startInProcessComponent(podProxy, {
    name: 'pod-proxy',
    config: {
      listenIp: systemPodIp(plan.addresses, 10),
      listenPort: 0,
      pod: { name: pod.name, namespace: pod.namespace, ip: pod.ip, hostAliases: pod.hostAliases },
      services: plan.dns,
      privilegedPortOffset: plan.addresses.privilegedPortOffset,
    },
  });
  proxies.push(proxy);

  const apiVip = plan.services.kubeApiserver;
  const gwVip = plan.services.gatewayInternal;
  // `npm run sim` admits token-authenticated pods (client-certificate groups get gateway-mtls.kubeconfig below instead).
  const token = pod.kubeconfig.token;
  if (token === undefined) throw new Error(`pod ${pod.name} authenticates with a client certificate; tool access needs a token-authenticated pod`);
  const ca = cluster.certificates.authorities.ca.certPem;
  const files: WrittenAccess['files'] = [];
  const kubeconfigs: WrittenAccess['kubeconfigs'] = {};
  const write = (file: string, what: string, yaml: string) => {
    fs.writeFileSync(path.join(dir, file), yaml, { mode: 0o600 });
    files.push({ file: path.join(dir, file), what });
    kubeconfigs[file] = path.join(dir, file);
  };
  write(
    'clusterip.kubeconfig',
    `ClusterIP path: VIP ${apiVip.clusterIP}:${apiVip.listenPort} + tls-server-name kube-apiserver (kube-proxy, L4 per connection)`,
    renderKubeconfig({
      contextName: 'clusterip',
      server: `https://${apiVip.clusterIP}:${apiVip.listenPort}`,
      tlsServerName: 'kube-apiserver',
      caPem: ca,
      token,
    }),
  );
  write(
    'gateway.kubeconfig',
    `gateway path: https://${plan.publicHost} through pod ${pod.name}'s network (hostAlias → ${gwVip.clusterIP}; TLS termination, per-request LB)`,
    renderKubeconfig({ contextName: 'gateway', server: `https://${plan.publicHost}`, proxyUrl: proxy.info.url, caPem: ca, token }),
  );
  write(
    'gateway-vip.kubeconfig',
    `gateway VIP ${gwVip.clusterIP}:${gwVip.listenPort} + tls-server-name: SNI ≠ :authority, so the gateway answers 421 as Gardener's misdirected-requests filter does (curl/h2load can set :authority)`,
    renderKubeconfig({
      contextName: 'gateway-vip',
      server: `https://${gwVip.clusterIP}:${gwVip.listenPort}`,
      tlsServerName: plan.publicHost,
      caPem: ca,
      token,
    }),
  );
  const adminClient = cluster.certificates.certificates['admin-client'];
  write(
    'gateway-mtls.kubeconfig',
    'gateway path with a client certificate (ca-client): the gateway sets X-Remote-User/Group and uses the front-proxy mTLS upstream',
    renderKubeconfig({
      contextName: 'gateway-mtls',
      server: `https://${plan.publicHost}`,
      proxyUrl: proxy.info.url,
      caPem: ca,
      clientCertPem: adminClient.certPem,
      clientKeyPem: adminClient.keyPem,
    }),
  );
  for (const replica of plan.replicas) {
    write(
      `${replica.name}.kubeconfig`,
      `replica ${replica.name} directly`,
      renderKubeconfig({ contextName: replica.name, server: `https://${replica.ip}:${replica.port}`, tlsServerName: 'kube-apiserver', caPem: ca, token }),
    );
  }
  fs.writeFileSync(path.join(dir, 'ca.crt'), ca);
  fs.writeFileSync(path.join(dir, 'token'), `${token}\n`, { mode: 0o600 });
  return {
    dir,
    files,
    kubeconfigs,
    token,
    caFile: path.join(dir, 'ca.crt'),
    proxies: [
      {
        pod: `${pod.namespace}/${pod.name}`,
        url: proxy.info.url,
        hostAliases: pod.hostAliases.map((a) => `${a.ip}=${a.hostnames.join(',')}`).join(' ') || '(none)',
      },
    ],
  };
}
