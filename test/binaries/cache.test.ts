// The binaries cache and its bookkeeping (scripts/binaries/cacheDir.ts, components.ts): atomic installs, leftovers of
// an interrupted build, fingerprints that change only with what a binary is built from.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { binariesRoot, cacheEntry, install, isCurrent, readStamp, removeLeftovers, temporaryPath, type Stamp } from '../../scripts/binaries/cacheDir.ts';
import { BINARIES, fingerprint, kubernetesVersionLdflags, type BinarySpec } from '../../scripts/binaries/components.ts';
import { goVersionAtLeast } from '../../scripts/binaries/goToolchain.ts';
import { ETCD_IMAGE_TAG, ETCD_VERSION, KUBERNETES_VERSION, stagingVersionOf } from '../../scripts/binaries/versions.ts';

const dirs: string[] = [];
const tempRoot = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'binaries-cache-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const stampFor = (fp: string, size: number): Stamp => ({
  name: 'etcd',
  version: 'v0',
  fingerprint: fp,
  size,
  sha256: 'x',
  builtAt: 'now',
  buildSeconds: 0,
  builtWith: 'test',
});

describe('the cache directory', () => {
  it('defaults under XDG_CACHE_HOME or ~/.cache, and APISERVER_LB_BIN_DIR overrides it', () => {
    expect(binariesRoot({ HOME: '/home/u' } as NodeJS.ProcessEnv)).toBe(path.join(os.homedir(), '.cache/apiserver-l7-testbed/bin'));
    expect(binariesRoot({ XDG_CACHE_HOME: '/xdg' })).toBe('/xdg/apiserver-l7-testbed/bin');
    expect(binariesRoot({ APISERVER_LB_BIN_DIR: '/opt/bins', XDG_CACHE_HOME: '/xdg' })).toBe('/opt/bins');
  });

  it('installs by rename and is current only with the same fingerprint and size', () => {
    const entry = cacheEntry('etcd', 'v0', tempRoot());
    const built = temporaryPath(entry, 'etcd');
    fs.writeFileSync(built, 'binary');
    expect(isCurrent(entry, 'fp1')).toBe(false);
    install(entry, built, stampFor('fp1', 6));
    expect(fs.existsSync(built)).toBe(false);
    expect(isCurrent(entry, 'fp1')).toBe(true);
    expect(isCurrent(entry, 'fp2')).toBe(false);
    fs.writeFileSync(entry.binary, 'truncated');
    expect(isCurrent(entry, 'fp1')).toBe(false);
  });

  it('a binary without its stamp (a build interrupted between the two renames) is not current', () => {
    const entry = cacheEntry('etcd', 'v0', tempRoot());
    fs.mkdirSync(entry.dir, { recursive: true });
    fs.writeFileSync(entry.binary, 'binary', { mode: 0o755 });
    expect(readStamp(entry)).toBeUndefined();
    expect(isCurrent(entry, 'fp1')).toBe(false);
  });

  it("removes the temporary files of a build whose process is gone, and keeps a live build's", async () => {
    const entry = cacheEntry('etcd', 'v0', tempRoot());
    fs.mkdirSync(entry.dir, { recursive: true });
    const child = spawn(process.execPath, ['-e', '']);
    const deadPid = child.pid!;
    await new Promise((resolve) => child.on('close', resolve));
    const dead = path.join(entry.dir, `.etcd.tmp-${deadPid}`);
    const alive = path.join(entry.dir, `.etcd.tmp-${process.ppid}`);
    fs.writeFileSync(dead, 'half');
    fs.writeFileSync(alive, 'in progress');
    removeLeftovers(entry);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(alive)).toBe(true);
  });
});

describe('fingerprints', () => {
  it('change with the pin of that component only', () => {
    const etcd = BINARIES.etcd;
    const moved: BinarySpec = { ...etcd, version: 'v3.6.99' };
    expect(fingerprint(moved)).not.toBe(fingerprint(etcd));
    expect(fingerprint(BINARIES['kube-apiserver'])).toBe(fingerprint({ ...BINARIES['kube-apiserver'] }));
    expect(fingerprint(BINARIES['kube-apiserver'])).not.toBe(fingerprint(BINARIES['kube-proxy']));
  });

  it('change with the content of an input file', () => {
    const dir = tempRoot();
    const file = path.join(dir, 'go.mod');
    fs.writeFileSync(file, 'module a\n');
    const spec: BinarySpec = { ...BINARIES.etcd, source: { kind: 'go', moduleDir: dir, goPackage: '.', ldflags: [], inputs: () => [file] } };
    const before = fingerprint(spec);
    fs.writeFileSync(file, 'module b\n');
    expect(fingerprint(spec)).not.toBe(before);
  });
});

describe('versions', () => {
  it('stamps Kubernetes binaries like hack/lib/version.sh', () => {
    expect(kubernetesVersionLdflags('v1.34.10')).toEqual([
      '-X k8s.io/component-base/version.gitVersion=v1.34.10',
      '-X k8s.io/component-base/version.gitMajor=1',
      '-X k8s.io/component-base/version.gitMinor=34',
      '-X k8s.io/component-base/version.gitTreeState=clean',
    ]);
  });

  it('derives the staging version and the etcd image tag', () => {
    expect(stagingVersionOf('v1.34.10')).toBe('v0.34.10');
    expect(() => stagingVersionOf('1.34')).toThrow('KUBERNETES_VERSION must look like v1.<minor>.<patch>, got "1.34"');
    expect(ETCD_IMAGE_TAG).toBe(`${ETCD_VERSION.slice(1)}-0`);
    expect(KUBERNETES_VERSION).toMatch(/^v1\.34\.\d+$/);
  });

  it('compares Go versions', () => {
    expect(goVersionAtLeast('go1.26.8', '1.24.0')).toBe(true);
    expect(goVersionAtLeast('go1.24', '1.24.0')).toBe(true);
    expect(goVersionAtLeast('go1.23.12', '1.24.0')).toBe(false);
    expect(goVersionAtLeast('devel', '1.24.0')).toBe(false);
  });
});
