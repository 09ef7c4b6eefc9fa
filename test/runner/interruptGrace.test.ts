// Ctrl-C waits as long as the registered clean-ups say they need (scripts/runner/interrupts.ts): a real cluster's
// close() makes kubectl calls that take longer than the 5 s a clean-up gets by default. Real signals to real child
// processes: one clean-up asks for 10 s and finishes in 5.6 s; the same clean-up without asking is cut at 5 s.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'interrupt-grace-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs a process that registers a 5.6 s clean-up (with `graceMs` when given), interrupts it once it is ready. */
async function interrupted(graceMs: number | undefined): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const script = path.join(tmp, `child-${graceMs ?? 'default'}.ts`);
  fs.writeFileSync(
    script,
    [
      `import { onInterrupt } from ${JSON.stringify(path.join(ROOT, 'scripts/runner/interrupts.ts'))};`,
      `onInterrupt(async () => { await new Promise((r) => setTimeout(r, 5600)); process.stdout.write('cleaned\\n'); }${graceMs !== undefined ? `, ${graceMs}` : ''});`,
      `process.stdout.write('ready\\n');`,
      'setInterval(() => undefined, 1000);',
    ].join('\n'),
  );
  const child = spawn(TSX, [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let signalledAt = 0;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no exit within 30 s; stdout: ${stdout}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!signalledAt && stdout.includes('ready\n')) {
        signalledAt = performance.now();
        child.kill('SIGINT');
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - signalledAt });
    });
  });
}

describe('Ctrl-C gives the clean-ups the time they ask for', () => {
  it('a clean-up that asks for 10 s finishes; without asking it is cut at 5 s', async () => {
    const [asked, cut] = await Promise.all([interrupted(10_000), interrupted(undefined)]);
    expect(asked.code).toBe(130);
    expect(asked.stdout).toContain('cleaned');
    expect(asked.stderr).toContain('SIGINT: cleaning up, for up to 10 s (press Ctrl-C again to exit at once)');
    expect(cut.code).toBe(130);
    expect(cut.stdout).not.toContain('cleaned');
    expect(cut.ms).toBeLessThan(5_550);
  }, 40_000);
});
