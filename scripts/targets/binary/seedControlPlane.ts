// The seed cluster's own control plane on the binary target (docs/binary-target.md#the-seed): a real etcd and a real
// kube-apiserver in the node's network namespace, as kind runs its control plane (static pods with host networking).
// It holds what the other targets' seed holds: the Services and EndpointSlices kube-proxy serves, the ConfigMap
// istio-internal-load-balancing, the generic token kubeconfig secret, the MutatingWebhookConfiguration, and the client
// pods, which are admitted by the real MutatingAdmissionWebhook plugin calling our webhook over HTTPS.
import crypto from 'node:crypto';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { PemSource } from '../../cluster/certificates.ts';
import { GRM_NAME, GRM_NAMESPACE, IN_CLUSTER_API_HOST } from '../../cluster/gardener.ts';
import type { ClusterPlan } from '../../cluster/plan.ts';
import { startEtcd, type EtcdMember } from './etcdMember.ts';
import { getText } from './httpGet.ts';
import { KubeApi, type Connector } from './kubeApi.ts';
import { startKubeApiserver, type KubeApiserverProcess } from './kubeApiserverProcess.ts';

/** The seed kube-apiserver's Service range: the plan's VIPs live in it (AddressPlan.servicePrefix). */
export const seedServiceCidr = (plan: ClusterPlan) => `${plan.addresses.servicePrefix ?? '198.19'}.0.0/16`;
const ETCD_CLIENT_PORT = 2379;
const ETCD_PEER_PORT = 2380;

export interface SeedOptions {
  plan: ClusterPlan;
  pems: PemSource;
  dir: string;
  binaries: { etcd: string; kubeApiserver: string };
  /** What enters the node's network namespace. */
  enterNode: string[];
  connect: Connector;
}

export interface SeedControlPlane {
  etcd: EtcdMember;
  apiserver: KubeApiserverProcess;
  /** As the seed's admin (system:masters). */
  admin: KubeApi;
  close(): Promise<void>;
}

/** The files the seed kube-apiserver reads. */
export interface SeedFiles {
  tlsCert: string;
  tlsKey: string;
  tokens: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

/** --token-auth-file: the seed admin and the webhook's service account (the user RBAC gives it its reads). */
export function seedTokenFile(plan: ClusterPlan): string {
  return [
    `${plan.tokens.seedAdmin},system:admin,system:admin,"system:masters"`,
    `${plan.tokens.webhook},system:serviceaccount:${GRM_NAMESPACE}:${GRM_NAME},${GRM_NAME},"system:serviceaccounts,system:serviceaccounts:${GRM_NAMESPACE}"`,
    '',
  ].join('\n');
}

/**
 * The seed kube-apiserver's command line: envtest's minimum (controller-runtime controlplane/apiserver.go), bound to
 * the plan's seed address on 443, with the admission plugins on by default (MutatingAdmissionWebhook among them) and
 * ServiceAccount off, since no controller creates default service accounts (docs/binary-target.md#the-seed).
 */
export function seedKubeApiserverFlags(plan: ClusterPlan, files: SeedFiles, etcdUrl: string): string[] {
  const seed = plan.seedApiserver;
  return [
    `--etcd-servers=${etcdUrl}`,
    `--bind-address=${seed.ip}`,
    `--advertise-address=${seed.ip}`,
    `--secure-port=${seed.port}`,
    `--tls-cert-file=${files.tlsCert}`,
    `--tls-private-key-file=${files.tlsKey}`,
    `--token-auth-file=${files.tokens}`,
    '--anonymous-auth=true',
    '--authorization-mode=RBAC',
    '--disable-admission-plugins=ServiceAccount',
    `--service-cluster-ip-range=${seedServiceCidr(plan)}`,
    `--service-account-issuer=https://${IN_CLUSTER_API_HOST}`,
    `--service-account-key-file=${files.serviceAccountPub}`,
    `--service-account-signing-key-file=${files.serviceAccountKey}`,
    '--profiling=false',
  ];
}

function writeSeedFiles(o: SeedOptions): SeedFiles {
  fs.mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const tls = o.pems.keyPair('seed-kube-apiserver');
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const files: SeedFiles = {
    tlsCert: path.join(o.dir, 'tls.crt'),
    tlsKey: path.join(o.dir, 'tls.key'),
    tokens: path.join(o.dir, 'tokens.csv'),
    serviceAccountKey: path.join(o.dir, 'sa.key'),
    serviceAccountPub: path.join(o.dir, 'sa.pub'),
  };
  fs.writeFileSync(files.tlsCert, tls.certPem);
  fs.writeFileSync(files.tlsKey, tls.keyPem, { mode: 0o600 });
  fs.writeFileSync(files.tokens, seedTokenFile(o.plan), { mode: 0o600 });
  fs.writeFileSync(files.serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.writeFileSync(files.serviceAccountPub, publicKey.export({ type: 'spki', format: 'pem' }));
  return files;
}

export async function startSeedControlPlane(o: SeedOptions): Promise<SeedControlPlane> {
  const seed = o.plan.seedApiserver;
  const files = writeSeedFiles(o);
  // etcd listens in the node's namespace: its readiness is read through the connector, like everything else there.
  const etcdAgent = new http.Agent({ keepAlive: false });
  etcdAgent.createConnection = (options: { host?: string | null; port?: number | null }) => o.connect(options.host ?? '', Number(options.port)) as never;
  const etcd = await startEtcd({
    binary: o.binaries.etcd,
    name: 'seed-etcd',
    host: seed.ip,
    clientPort: ETCD_CLIENT_PORT,
    peerPort: ETCD_PEER_PORT,
    dataDir: path.join(o.dir, 'etcd'),
    logFile: path.join(o.dir, 'etcd.log'),
    prefix: o.enterNode,
    probe: async (url) => (await getText(`${url}/readyz`, { agent: etcdAgent }, 1_000)).status === 200,
  });
  let apiserver: KubeApiserverProcess;
  try {
    apiserver = await startKubeApiserver({
      name: 'seed-kube-apiserver',
      binary: o.binaries.kubeApiserver,
      url: `https://${seed.ip}:${seed.port}`,
      caPem: o.pems.authority('seed-ca'),
      args: seedKubeApiserverFlags(o.plan, files, etcd.clientUrl),
      logFile: path.join(o.dir, 'kube-apiserver.log'),
      prefix: [...o.enterNode, 'unshare', '--uts', '--', 'sh', '-c', 'hostname seed-control-plane && exec "$@"', 'seed'],
      connect: o.connect,
    });
  } catch (error) {
    await etcd.process.stop();
    throw error;
  }
  const admin = new KubeApi({
    host: seed.ip,
    port: seed.port,
    caPem: o.pems.authority('seed-ca'),
    serverName: IN_CLUSTER_API_HOST,
    token: o.plan.tokens.seedAdmin,
    connect: o.connect,
  });
  return {
    etcd,
    apiserver,
    admin,
    close: async () => {
      admin.close();
      await apiserver.close();
      await etcd.process.stop();
    },
  };
}
