// The pins inside the Go wrapper modules (scripts/binaries/go/*/go.mod) and the load client's go.mod must say what
// versions.ts says. `pinProblems` reads them (a test keeps them in step); `syncWrapperModules` rewrites them with the go
// command after a pin changed (`npm run binaries -- sync`).
import fs from 'node:fs';
import path from 'node:path';
import { ETCD_WRAPPER_DIR, KUBERNETES_WRAPPER_DIR, LOAD_CLIENT_DIR } from './components.ts';
import type { GoToolchain } from './goToolchain.ts';
import { buildFailed, firstErrorLine } from './problems.ts';
import { runTool } from './runTool.ts';
import { ETCD_VERSION, KUBERNETES_VERSION, STAGING_VERSION } from './versions.ts';

/** The k8s.io staging modules of k8s.io/kubernetes 1.34 (its go.mod's `=> ./staging/src/k8s.io/...` replaces). */
export const STAGING_MODULES = [
  'api',
  'apiextensions-apiserver',
  'apimachinery',
  'apiserver',
  'cli-runtime',
  'client-go',
  'cloud-provider',
  'cluster-bootstrap',
  'code-generator',
  'component-base',
  'component-helpers',
  'controller-manager',
  'cri-api',
  'cri-client',
  'csi-translation-lib',
  'dynamic-resource-allocation',
  'endpointslice',
  'externaljwt',
  'kms',
  'kube-aggregator',
  'kube-controller-manager',
  'kube-proxy',
  'kube-scheduler',
  'kubectl',
  'kubelet',
  'metrics',
  'mount-utils',
  'pod-security-admission',
  'sample-apiserver',
  'sample-cli-plugin',
  'sample-controller',
] as const;

/** The version a go.mod requires (or replaces to) for a module path. */
export function requiredVersion(goMod: string, modulePath: string): string | undefined {
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^\\s*(?:require\\s+)?${escaped} (v\\S+)`, 'm').exec(goMod)?.[1];
}

export function replacedVersion(goMod: string, modulePath: string): string | undefined {
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^\\s*${escaped} => ${escaped} (v\\S+)`, 'm').exec(goMod)?.[1];
}

/** Every place where a go.mod disagrees with versions.ts, as one line each (empty when they agree). */
export function pinProblems(read: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): string[] {
  const problems: string[] = [];
  const k8s = read(path.join(KUBERNETES_WRAPPER_DIR, 'go.mod'));
  const want = (file: string, module: string, have: string | undefined, version: string) => {
    if (have !== version) problems.push(`${file}: ${module} is ${have ?? 'missing'}, versions.ts says ${version}`);
  };
  want('scripts/binaries/go/kubernetes/go.mod', 'k8s.io/kubernetes', requiredVersion(k8s, 'k8s.io/kubernetes'), KUBERNETES_VERSION);
  for (const m of STAGING_MODULES) want('scripts/binaries/go/kubernetes/go.mod', `replace k8s.io/${m}`, replacedVersion(k8s, `k8s.io/${m}`), STAGING_VERSION);
  const etcd = read(path.join(ETCD_WRAPPER_DIR, 'go.mod'));
  want('scripts/binaries/go/etcd/go.mod', 'go.etcd.io/etcd/server/v3', requiredVersion(etcd, 'go.etcd.io/etcd/server/v3'), ETCD_VERSION);
  const client = read(path.join(LOAD_CLIENT_DIR, 'go.mod'));
  for (const m of ['api', 'apimachinery', 'client-go'])
    want('scripts/loadclient/go.mod', `k8s.io/${m}`, requiredVersion(client, `k8s.io/${m}`), STAGING_VERSION);
  return problems;
}

/** Rewrites the Kubernetes wrapper's replace block for STAGING_VERSION (written before any `go get`). */
export function kubernetesReplaceBlock(): string {
  return `replace (\n${STAGING_MODULES.map((m) => `\tk8s.io/${m} => k8s.io/${m} ${STAGING_VERSION}`).join('\n')}\n)`;
}

async function go(toolchain: GoToolchain, cwd: string, args: string[]): Promise<void> {
  const result = await runTool(toolchain.command, args, { cwd, env: process.env });
  if (result.code !== 0) throw buildFailed(`go ${args.join(' ')} in ${path.relative(process.cwd(), cwd)} failed: ${firstErrorLine(result.text)}`);
}

/** Brings every go.mod and go.sum in step with versions.ts, through the go command. */
export async function syncWrapperModules(toolchain: GoToolchain, log: (line: string) => void): Promise<void> {
  const k8sMod = path.join(KUBERNETES_WRAPPER_DIR, 'go.mod');
  fs.writeFileSync(k8sMod, fs.readFileSync(k8sMod, 'utf8').replace(/replace \([^)]*\)/, kubernetesReplaceBlock()));
  log(`kubernetes wrapper: k8s.io/kubernetes ${KUBERNETES_VERSION}, staging modules ${STAGING_VERSION}`);
  await go(toolchain, KUBERNETES_WRAPPER_DIR, ['get', `k8s.io/kubernetes@${KUBERNETES_VERSION}`]);
  await go(toolchain, KUBERNETES_WRAPPER_DIR, ['mod', 'tidy']);
  log(`etcd wrapper: go.etcd.io/etcd/server/v3 ${ETCD_VERSION}`);
  await go(toolchain, ETCD_WRAPPER_DIR, ['get', `go.etcd.io/etcd/server/v3@${ETCD_VERSION}`]);
  await go(toolchain, ETCD_WRAPPER_DIR, ['mod', 'tidy']);
  log(`load client: k8s.io/client-go, api, apimachinery ${STAGING_VERSION}`);
  await go(toolchain, LOAD_CLIENT_DIR, [
    'get',
    `k8s.io/client-go@${STAGING_VERSION}`,
    `k8s.io/api@${STAGING_VERSION}`,
    `k8s.io/apimachinery@${STAGING_VERSION}`,
  ]);
  await go(toolchain, LOAD_CLIENT_DIR, ['mod', 'tidy']);
}
