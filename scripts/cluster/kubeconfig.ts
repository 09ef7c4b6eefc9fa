// Kubeconfigs: Gardener's generic token kubeconfig (docs/gardener.md#the-generic-token-kubeconfig: cluster, context
// and user all named after the context name, `server: https://<address>`, the cluster CA, and a tokenFile) and the
// kubeconfigs `npm run sim` writes for tools.
import { parse, stringify } from 'yaml';

export interface KubeconfigSpec {
  contextName: string;
  server: string;
  caPem: string;
  token?: string;
  tokenFile?: string;
  tlsServerName?: string;
  proxyUrl?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

export function renderKubeconfig(spec: KubeconfigSpec): string {
  const cluster: Record<string, string> = { server: spec.server, 'certificate-authority-data': b64(spec.caPem) };
  if (spec.tlsServerName) cluster['tls-server-name'] = spec.tlsServerName;
  if (spec.proxyUrl) cluster['proxy-url'] = spec.proxyUrl;
  const user: Record<string, string> = {};
  if (spec.token) user.token = spec.token;
  if (spec.tokenFile) user.tokenFile = spec.tokenFile;
  if (spec.clientCertPem) user['client-certificate-data'] = b64(spec.clientCertPem);
  if (spec.clientKeyPem) user['client-key-data'] = b64(spec.clientKeyPem);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: spec.contextName, cluster }],
    contexts: [{ name: spec.contextName, context: { cluster: spec.contextName, user: spec.contextName } }],
    'current-context': spec.contextName,
    users: [{ name: spec.contextName, user }],
    preferences: {},
  });
}

export interface ParsedKubeconfig {
  server: string;
  caPem: string;
  token?: string;
  tokenFile?: string;
  tlsServerName?: string;
}

/** Reads the current context of a kubeconfig the way client-go's clientcmd would (the subset the simulator uses). */
export function parseKubeconfig(text: string): ParsedKubeconfig {
  const doc = parse(text) as {
    clusters?: { name: string; cluster: Record<string, string> }[];
    users?: { name: string; user: Record<string, string> }[];
    contexts?: { name: string; context: { cluster: string; user: string } }[];
    'current-context'?: string;
  };
  const contextName = doc['current-context'];
  const context = doc.contexts?.find((c) => c.name === contextName)?.context;
  if (!context) throw new Error(`kubeconfig: current-context "${contextName}" not found`);
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  if (!cluster?.server) throw new Error(`kubeconfig: cluster "${context.cluster}" has no server`);
  const caData = cluster['certificate-authority-data'];
  if (!caData) throw new Error(`kubeconfig: cluster "${context.cluster}" has no certificate-authority-data`);
  return {
    server: cluster.server,
    caPem: Buffer.from(caData, 'base64').toString('utf8'),
    token: user.token,
    tokenFile: user.tokenFile,
    tlsServerName: cluster['tls-server-name'],
  };
}
