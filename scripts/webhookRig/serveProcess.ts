// `webhook serve` as its own process (node --import tsx webhook/cli.ts serve ...) against the fixture apiserver:
// used by the CLI test and by the webhook benchmark's standalone-memory measurement.
import fs from 'node:fs';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { FixtureApiserver } from './fixtureApiserver.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Writes a kubeconfig for the fixture apiserver (CA file beside it) into `dir` and returns its path. */
export function writeFixtureKubeconfig(dir: string, api: FixtureApiserver): string {
  fs.writeFileSync(path.join(dir, 'api-ca.crt'), api.caPem);
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: ${api.url}\n    certificate-authority: api-ca.crt\nusers:\n- name: u\n  user:\n    token: ${api.token}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n`,
  );
  return kubeconfig;
}

/** Starts `webhook serve` with `args` and resolves with its base URL once it logs "serving". */
export async function startServeProcess(args: string[], timeoutMs: number): Promise<{ child: ResultPromise; url: string }> {
  const child = execa(process.execPath, ['--import', 'tsx', 'webhook/cli.ts', 'serve', ...args], { cwd: ROOT, reject: false, timeout: timeoutMs });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const match = /"msg":"serving","url":"(https:\/\/[^"]+)\/webhooks/.exec(buffered);
        if (match) resolve(match[1]!);
      });
      child.then(() => reject(new Error(`serve exited before serving: ${buffered}`)), reject);
      setTimeout(() => reject(new Error(`serve did not start: ${buffered}`)), 20_000).unref();
    });
    return { child, url };
  } catch (error) {
    child.kill('SIGTERM');
    await child;
    throw error;
  }
}
