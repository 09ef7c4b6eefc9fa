// The Go toolchain the Go components are built with: found on $PATH, at least MINIMUM_GO_VERSION, and its caches
// (GOMODCACHE, GOCACHE) reused as they are, so a second machine-wide build is fast (docs/binaries.md#what-it-needs).
import { execFileSync } from 'node:child_process';
import { runTool } from './runTool.ts';
import { firstErrorLine, isUnreachableRegistry, missingPrerequisite, buildFailed } from './problems.ts';
import { MINIMUM_GO_VERSION } from './versions.ts';

export interface GoToolchain {
  command: string;
  /** `go1.26.8` */
  version: string;
}

/** `go1.26.8` → [1, 26, 8]; `go1.24rc1` → [1, 24, 0]. */
export function goVersionParts(version: string): [number, number, number] | undefined {
  const match = /^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

export function goVersionAtLeast(version: string, minimum: string): boolean {
  const have = goVersionParts(version);
  const want = goVersionParts(minimum);
  if (!have || !want) return false;
  for (let i = 0; i < 3; i++) if (have[i] !== want[i]) return have[i]! > want[i]!;
  return true;
}

/** The go command, or a missing-prerequisite problem saying what to install. */
export function findGo(env: NodeJS.ProcessEnv = process.env): GoToolchain {
  const command = env.GO ?? 'go';
  let version: string;
  try {
    version = execFileSync(command, ['env', 'GOVERSION'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    throw missingPrerequisite(
      `go not found: install Go >= ${MINIMUM_GO_VERSION} (Debian: apt-get install -y golang-go is too old on bookworm; use the Go release for your machine) to build kube-apiserver, kube-proxy, etcd and the load client`,
    );
  }
  if (!goVersionAtLeast(version, MINIMUM_GO_VERSION)) {
    throw missingPrerequisite(`${version} is too old: the Go components need Go >= ${MINIMUM_GO_VERSION}; install a newer Go and run npm run binaries again`);
  }
  return { command, version };
}

export interface GoBuildRequest {
  moduleDir: string;
  goPackage: string;
  ldflags: string[];
  output: string;
  /** Called with each line go prints (module downloads, errors). */
  onLine?: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * `CGO_ENABLED=0 go build -trimpath` in the module directory, as upstream builds kube-apiserver, kube-proxy and etcd
 * (static, no build tags: kubernetes hack/lib/golang.sh KUBE_STATIC_BINARIES). GOFLAGS=-mod=readonly: the committed
 * go.mod and go.sum are the pins; a build never edits them.
 */
export async function goBuild(go: GoToolchain, request: GoBuildRequest): Promise<void> {
  // -s -w: no symbol table and no DWARF, as upstream's release builds (hack/lib/golang.sh GOLDFLAGS).
  const ldflags = ['-s', '-w', ...request.ldflags].join(' ');
  const args = ['build', '-trimpath', '-mod=readonly', `-ldflags=${ldflags}`, '-o', request.output, request.goPackage];
  const output = await runTool(go.command, args, {
    cwd: request.moduleDir,
    env: { ...process.env, CGO_ENABLED: '0' },
    signal: request.signal,
    onLine: request.onLine,
  });
  if (output.code === 0) return;
  const text = output.text;
  if (isUnreachableRegistry(text)) {
    throw missingPrerequisite(
      `the Go module proxy could not be reached (${firstErrorLine(text)}): check GOPROXY (${process.env.GOPROXY ?? 'default'}) and the network, then run npm run binaries again`,
    );
  }
  throw buildFailed(`go build ${request.goPackage} failed (exit ${output.code}): ${firstErrorLine(text)}`);
}
