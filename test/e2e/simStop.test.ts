// `npm run sim` as a script runs it (README.md#a-standing-testbed-npm-run-sim): it stays up until it is stopped, and
// `kill -INT <pid of npm>` stops it: npm forwards the signal to its script, which execs tsx, which relays it to the
// simulator, which closes every listener and worker and exits 130. No process of the run is left afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../scripts/core/poll.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Processes whose command line mentions `marker` (read from /proc). */
function processesWith(marker: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}

describe('npm run sim from a script', () => {
  it('stays up until stopped; kill -INT of the npm process stops it and leaves no process behind', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-npm-'));
    const child = execa('npm', ['run', 'sim', '--', '--out', out, '--no-dashboard', '--interval', '500ms'], {
      cwd: ROOT,
      reject: false,
      timeout: 90_000,
      env: { ...process.env, npm_config_loglevel: 'warn' },
    });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += String(d);
    });
    const loadLines = () => stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d {2}kube-apiserver-0 /.test(l)).length;
    await waitFor(() => stdout.includes('per-replica load'), { timeoutMs: 60_000, what: 'npm run sim to be up' });
    // Eight lines at 500 ms: well past the moment (3 s) at which it used to exit on its own.
    await waitFor(() => loadLines() >= 8 || child.exitCode !== null, { timeoutMs: 30_000, what: 'eight load lines' });
    expect(child.exitCode, 'the simulator exited by itself').toBeNull();
    expect(processesWith(out).length).toBeGreaterThan(0);

    process.kill(child.pid!, 'SIGINT');
    const done = await child;
    expect(done.stdout).toMatch(/simulated cluster stopped; every listener and worker is closed/);
    expect(done.exitCode).toBe(130);
    await waitFor(() => processesWith(out).length === 0, { timeoutMs: 10_000, what: `no process of the run left (${processesWith(out).join(', ')})` });
    fs.rmSync(out, { recursive: true, force: true });
  }, 120_000);
});
