// What the real kube-proxy of the binary target is started with (docs/binary-target-network.md#kube-proxy): its
// KubeProxyConfiguration (k8s.io/kube-proxy config/v1alpha1 types.go), its kubeconfig for the seed kube-apiserver, and
// the Node object it waits for. Pure: kubeProxyProcess.ts writes and runs them.
// - mode iptables: the per-connection `statistic --mode random` choice the project measures
//   (pkg/proxy/iptables/proxier.go writeServiceToEndpointRules);
// - bind, healthz and metrics addresses on the node's address, inside the node namespace;
// - clusterCIDR the pod network: traffic from outside it to a ClusterIP is masqueraded (detectLocalMode ClusterCIDR);
//   pods and components are inside it, so a replica sees a client's own pod IP, as behind a real kube-proxy;
// - conntrack maxPerCore 0 and both TCP timeouts 0s: kube-proxy then leaves nf_conntrack_max and the conntrack
//   timeouts alone (cmd/kube-proxy/app/server_linux.go setupConntrack skips zero values), since those sysctls are the
//   machine's, not the namespace's (kind's rootless configuration does the same);
// - nodePortAddresses ["primary"]: NodePorts only on the node's address, which also keeps kube-proxy from setting
//   route_localnet (proxier.go: only when the NodePort addresses include loopback), and silences its warning that
//   the field is unset.

import { NODE_ADDRESS, POD_CIDR } from './addresses.ts';

export const HEALTHZ_PORT = 10256;
export const METRICS_PORT = 10249;

export interface KubeProxyConfigOptions {
  /** The Node name (also --hostname-override). */
  nodeName: string;
  kubeconfigPath: string;
}

export function kubeProxyConfiguration(o: KubeProxyConfigOptions): object {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    clientConnection: { kubeconfig: o.kubeconfigPath },
    hostnameOverride: o.nodeName,
    bindAddress: NODE_ADDRESS,
    healthzBindAddress: `${NODE_ADDRESS}:${HEALTHZ_PORT}`,
    metricsBindAddress: `${NODE_ADDRESS}:${METRICS_PORT}`,
    clusterCIDR: POD_CIDR,
    detectLocalMode: 'ClusterCIDR',
    nodePortAddresses: ['primary'],
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  };
}

export interface SeedAccess {
  /** https://<address>:<port> of the seed kube-apiserver, inside the node namespace. */
  server: string;
  /** The CA of its serving certificate; absent: not verified (a self-signed --cert-dir certificate). */
  caPem?: string;
  /** A bearer token with the rights kube-proxy needs (system:node-proxier, or an admin). */
  token: string;
}

export function kubeProxyKubeconfig(seed: SeedAccess): object {
  const cluster = seed.caPem
    ? { server: seed.server, 'certificate-authority-data': Buffer.from(seed.caPem).toString('base64') }
    : { server: seed.server, 'insecure-skip-tls-verify': true };
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'seed', cluster }],
    users: [{ name: 'kube-proxy', user: { token: seed.token } }],
    contexts: [{ name: 'kube-proxy@seed', context: { cluster: 'seed', user: 'kube-proxy' } }],
    'current-context': 'kube-proxy@seed',
  };
}

/**
 * The Node kube-proxy runs for, as a kubelet registers it: kube-proxy waits up to 30 s for it to exist with addresses
 * (pkg/proxy/node.go newNodeManager) before it starts without. No kubelet keeps its status fresh: nothing in the
 * binary target reads it.
 */
export function nodeObject(nodeName: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName, 'kubernetes.io/os': 'linux' } },
    spec: { podCIDR: POD_CIDR, podCIDRs: [POD_CIDR] },
    status: {
      addresses: [
        { type: 'InternalIP', address: NODE_ADDRESS },
        { type: 'Hostname', address: nodeName },
      ],
    },
  };
}
