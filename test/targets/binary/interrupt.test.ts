// Ctrl-C on a whole binary-target run (docs/binary-target-network.md#cleanup): `npm run scenario -- --target binary`
// interrupted in its load phase exits 130 and leaves nothing behind: no process of the cluster (etcd, kube-apiservers,
// kube-proxy, Envoy, the webhook, the load clients), no network namespace, /etc/netns directory or temp directory of
// its run. Every name the run creates carries its run id, which starts with the CLI's pid (network/runNames.ts).
import fs from 'node:fs';
import os from 'node:os';
import { execa } from 'execa';
import { describe, expect } from 'vitest';
import { waitFor } from '../../../scripts/core/poll.ts';
import { run } from '../../../scripts/targets/binary/network/hostTools.ts';
import { itWithNetwork } from './network/networkTestHelpers.ts';

const it = itWithNetwork('etcd', 'kube-apiserver', 'kube-proxy', 'envoy', 'loadclient');

/** The processes whose parent chain leads to `pid` (children of children too). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of parents) {
      if (ppid !== parent) continue;
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

describe('Ctrl-C on a binary-target run', () => {
  it('exits 130 and removes every process, namespace and directory of the run', async () => {
    const child = execa(
      process.execPath,
      ['--import', 'tsx', 'scripts/scenario.ts', 'hot-client', '--target', 'binary', '--modes', 'l7', '--duration', '60s', '--no-write'],
      { reject: false, timeout: 240_000 },
    );
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += String(d)));
    child.stdout?.on('data', (d: Buffer) => (err += String(d)));
    const pid = child.pid!;
    await waitFor(() => /load phase \d+ s/.test(err), { timeoutMs: 180_000, what: `the run's load phase (output so far: ${err.slice(-300)})` });
    const prefix = `lbbin-${pid}-`;
    const ours = async () =>
      (await run('ip', ['netns', 'list']))
        .split('\n')
        .map((l) => l.split(' ')[0]!)
        .filter((n) => n.startsWith(prefix));
    const namespaces = await ours();
    const processes = descendants(pid);
    // The node, at least one client pod, the replicas' and gateway pods' namespaces; etcd, apiservers, Envoy, clients.
    expect(namespaces.length).toBeGreaterThanOrEqual(4);
    expect(processes.length).toBeGreaterThanOrEqual(8);

    child.kill('SIGINT');
    const done = await child;
    expect(done.exitCode, err.slice(-1500)).toBe(130);
    expect(await ours()).toEqual([]);
    expect(fs.readdirSync('/etc/netns').filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(prefix))).toEqual([]);
    const alive = processes.filter((p) => fs.existsSync(`/proc/${p}`) && !fs.readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z '));
    expect(alive).toEqual([]);
  }, 300_000);
});
