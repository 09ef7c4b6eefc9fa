// Clean runs: a cluster's close() leaves no listener, worker or socket behind, so a second cluster on exactly the
// same addresses starts right after; the CLIs stop cleanly on their own and on SIGINT.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { MODES } from '../../scripts/cluster/modes.ts';
import { planCluster } from '../../scripts/cluster/plan.ts';
import { waitFor } from '../../scripts/core/poll.ts';
import { LocalCluster } from '../../scripts/targets/local/localCluster.ts';
import { loadScenarioFile } from '../../scenarios/loader.ts';
import { ClientGroup } from '../../scenarios/schema.ts';
import { refused } from '../helpers/localClusterProbes.ts';

describe('clean runs', () => {
  it('close() frees every address, and the same addresses serve a second cluster right after', async () => {
    const { scenario } = loadScenarioFile('hot-client');
    const block = 200 + Math.floor(Math.random() * 40);
    for (let round = 0; round < 2; round++) {
      const cluster = await LocalCluster.start(planCluster(scenario.topology, MODES.l7, 1, { clientGroups: [{ name: 'c' }], addressBlock: block }), {
        pinAddressBlock: true,
      });
      const { admitted } = await cluster.admitClientPods([
        ClientGroup.parse({ name: 'c', count: 2, rate: 2, arrival: 'constant', watches: [{ resource: 'leases' }], http1: { connections: 1 } }),
      ]);
      const clients = await cluster.startClients(admitted);
      await clients.prepare();
      const endpoints = [...cluster.plan.replicas, ...cluster.gatewayPods, ...cluster.kubeProxy.info.listeners.map((l) => ({ ip: l.ip, port: l.listenPort }))];
      await cluster.close();
      for (const e of endpoints) expect(await refused(e.ip, e.port), `${e.ip}:${e.port}`).toBe(true);
    }
  }, 90_000);

  it('a bad scenario file is reported with file:line:col and nothing runs (exit 2)', async () => {
    const res = await execa(process.execPath, ['--import', 'tsx', 'scripts/scenario.ts', 'test/fixtures/scenarios/broken.yaml'], { reject: false });
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/test\/fixtures\/scenarios\/broken\.yaml:7:11: clients\[0\]\.rate: /);
    expect(res.stderr).toMatch(/broken\.yaml:9:5: clients\[0\]\.qsp: unknown field "qsp" \(did you mean "qps"\?\)/);
    expect(res.stderr).toMatch(/2 problem\(s\)/);
  });

  it('bad flags say what is wrong', async () => {
    const res = await execa(process.execPath, ['--import', 'tsx', 'scripts/scenario.ts', 'hot-client', '--modes', 'direct,l8'], { reject: false });
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toMatch(/unknown mode "l8"/);
    const help = await execa(process.execPath, ['--import', 'tsx', 'scripts/scenario.ts', '--help']);
    expect(help.stdout).toMatch(/--modes <list>/);
  });

  it('npm run sim stops by itself after --duration and on SIGINT, closing everything', async () => {
    const timed = await execa(
      process.execPath,
      ['--import', 'tsx', 'scripts/sim.ts', '--duration', '2s', '--out', `${process.env.TMPDIR ?? '/tmp'}/sim-cleanup-${process.pid}`],
      { reject: false, timeout: 60_000 },
    );
    expect(timed.exitCode, `${timed.stderr}`).toBe(0);
    expect(timed.stdout).toMatch(/simulated cluster up in \d+ ms/);
    expect(timed.stdout).toMatch(/stopped after --duration/);

    const child = execa(process.execPath, ['--import', 'tsx', 'scripts/sim.ts', '--out', `${process.env.TMPDIR ?? '/tmp'}/sim-sigint-${process.pid}`], {
      reject: false,
      timeout: 60_000,
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += String(d);
    });
    await waitFor(() => out.includes('per-replica load'), { timeoutMs: 30_000, what: 'npm run sim to be up' });
    child.kill('SIGINT');
    const done = await child;
    expect(done.exitCode, `${done.stderr}`).toBe(130);
    expect(done.stdout).toMatch(/every listener and worker is closed/);
  }, 90_000);
});
