// A real seed for the network tests: etcd and kube-apiserver (envtest's minimal flags, as in
// test/binaries/realComponents.test.ts, plus a token) on two component addresses inside the run's node namespace,
// with the Service CIDR of the binary target, reached only through the run's tunnel; kubeJson() is a minimal REST
// client over that tunnel.
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { pollUntil } from '../../../../scripts/core/poll.ts';
import { etcdArgs } from '../../../../scripts/targets/binary/etcdMember.ts';
import { ManagedProcess } from '../../../../scripts/targets/binary/managedProcess.ts';
import { SERVICE_CIDR } from '../../../../scripts/targets/binary/network/addresses.ts';
import type { NetworkRun } from '../../../../scripts/targets/binary/network/networkRun.ts';
import { binaryPath } from '../../../helpers/binaries.ts';

export const SEED_TOKEN = 'network-test-admin';
const SECURE_PORT = 6443;

export interface Seed {
  server: string;
  token: string;
  /** A JSON request to the seed kube-apiserver; resolves with the status and the parsed body. */
  kube(method: string, urlPath: string, body?: object): Promise<{ status: number; body: any }>;
}

export async function startSeedInNode(network: NetworkRun): Promise<Seed> {
  const dir = path.join(network.dir, 'seed');
  fs.mkdirSync(dir, { recursive: true });
  const [etcdIp, apiserverIp] = [await network.addComponent(), await network.addComponent()];
  const etcd = network.adopt(
    new ManagedProcess({
      name: 'etcd',
      command: binaryPath('etcd'),
      args: etcdArgs({ binary: '', name: 'seed-etcd', host: etcdIp, clientPort: 2379, peerPort: 2380, dataDir: path.join(dir, 'etcd') }),
      logFile: path.join(dir, 'etcd.log'),
      prefix: network.node.enter,
    }),
  );
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  fs.writeFileSync(path.join(dir, 'sa.key'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  fs.writeFileSync(path.join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  fs.writeFileSync(path.join(dir, 'tokens.csv'), `${SEED_TOKEN},admin,admin,"system:masters"\n`);
  const apiserver = network.adopt(
    new ManagedProcess({
      name: 'seed-kube-apiserver',
      command: binaryPath('kube-apiserver'),
      args: [
        `--etcd-servers=http://${etcdIp}:2379`,
        `--bind-address=${apiserverIp}`,
        `--advertise-address=${apiserverIp}`,
        `--secure-port=${SECURE_PORT}`,
        `--cert-dir=${path.join(dir, 'certs')}`,
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
        `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`,
        '--authorization-mode=RBAC',
        `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
        '--disable-admission-plugins=ServiceAccount',
      ],
      logFile: path.join(dir, 'kube-apiserver.log'),
      prefix: network.node.enter,
    }),
  );
  const agent = network.tunnel.httpsAgent({ rejectUnauthorized: false, keepAlive: true });
  const server = `https://${apiserverIp}:${SECURE_PORT}`;
  const kube: Seed['kube'] = (method, urlPath, body) => request(agent, apiserverIp, method, urlPath, body);
  await pollUntil(
    async () => {
      for (const p of [etcd, apiserver]) if (!p.running) throw new Error(p.describeExit());
      return kube('GET', '/readyz').then(
        (r) => r.status === 200,
        () => false,
      );
    },
    (ready) => ready,
    { timeoutMs: 60_000, intervalMs: 200, what: `the seed kube-apiserver /readyz at ${server}` },
  );
  return { server, token: SEED_TOKEN, kube };
}

function request(agent: https.Agent, host: string, method: string, urlPath: string, body?: object): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      {
        host,
        port: SECURE_PORT,
        method,
        path: urlPath,
        agent,
        timeout: 10_000,
        headers: { authorization: `Bearer ${SEED_TOKEN}`, accept: 'application/json', ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // plain text (/readyz)
          }
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
