// The real kubectl against a kube-apiserver inside the run's network (docs/binary-target.md#kubectl): objects a user
// would apply (the seed objects, the webhook's objects, the shoot's RBAC and API Priority and Fairness objects) go
// through it, as on the kind target. Its kubeconfig points at a 127.0.0.1 port that the node's tunnel forwards to the
// server, and names the server's certificate with tls-server-name, so TLS is verified as usual.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { stringify } from 'yaml';
import { renderKubeconfig } from '../../cluster/kubeconfig.ts';
import { requireTool } from '../../tools/externalTools.ts';
import type { KubeManifest } from '../kind/steps.ts';
import type { NetworkRun } from './network/networkRun.ts';

export interface Kubectl {
  kubeconfig: string;
  /** `kubectl apply -f` of these objects (one file, in order); rejects with kubectl's first error line. */
  apply(objects: KubeManifest[], what: string): Promise<void>;
  run(args: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function kubectlFor(
  network: NetworkRun,
  server: { ip: string; port: number; caPem: string; serverName: string; token: string },
  name: string,
): Promise<Kubectl> {
  const exposure = await network.tunnel.exposeOnLoopback(server.ip, server.port);
  const dir = path.join(network.dir, 'kubectl');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const kubeconfig = path.join(dir, `${name}.kubeconfig`);
  fs.writeFileSync(
    kubeconfig,
    renderKubeconfig({
      contextName: name,
      server: `https://${exposure.host}:${exposure.port}`,
      caPem: server.caPem,
      tlsServerName: server.serverName,
      token: server.token,
    }),
    { mode: 0o600 },
  );
  const kubectl = requireTool('kubectl');
  let files = 0;
  const run = async (args: string[]) => {
    const result = await execa(kubectl, ['--kubeconfig', kubeconfig, ...args], { reject: false, timeout: 120_000 });
    if (result.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr.split('\n').find((l) => l.trim()) ?? `exit ${result.exitCode}`}`);
    return result.stdout;
  };
  return {
    kubeconfig,
    run,
    async apply(objects, what) {
      if (objects.length === 0) return;
      const file = path.join(dir, `${name}-${String(files++).padStart(2, '0')}-${what.replace(/[^a-z0-9-]+/gi, '-')}.yaml`);
      fs.writeFileSync(file, objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'), { mode: 0o600 });
      await run(['apply', '-f', file]);
    },
    close: () => exposure.close(),
  };
}
