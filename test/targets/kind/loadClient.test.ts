// The load client of the kind target's client pods: its image (scripts/targets/kind/loadClient/Dockerfile) builds the
// Go client-go load client of scripts/loadclient/ as a static binary; the binary that build line makes, started as the
// image starts it (`serve`) with the environment and the projected kubeconfig volume the rendered pod gives it, serves
// the control protocol the target drives (loadClient/protocol.ts) against a real (simulated) kube-apiserver. No Docker
// here: the Dockerfile's build stage is replayed in a folder holding what its .dockerignore lets into the context.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scenario, type ClientGroup } from '../../../scenarios/schema.ts';
import { renderKubeconfig } from '../../../scripts/cluster/kubeconfig.ts';
import { pollUntil } from '../../../scripts/core/poll.ts';
import { findExecutable } from '../../../scripts/targets/kind/tools.ts';
import {
  controlPath,
  CONTROL_PATHS,
  LOAD_CLIENT_ENV,
  parseLoadClientSpec,
  parseRunRequest,
  podProxyPath,
} from '../../../scripts/targets/kind/loadClient/protocol.ts';
import { clientPodManifest } from '../../../scripts/targets/kind/manifests/workloads.ts';
import { ADMIN_TOKEN, startTestControlPlane, type TestControlPlane } from '../../helpers/controlPlane.ts';
import { allowedByDockerignore, readDockerfile } from '../../helpers/dockerImage.ts';
import type { ClientRunResult } from '../../../scripts/core/clientPod.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const DOCKERFILE = 'scripts/targets/kind/loadClient/Dockerfile';
const GO = findExecutable('go') ?? (fs.existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
const onCi = process.env.CI === 'true';

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

/** The Dockerfile's stages, each with its instructions (continuation lines joined, comments dropped). */
function stages(text: string): Stage[] {
  const out: Stage[] = [];
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const from = /^FROM (\S+)(?: AS (\S+))?$/i.exec(line);
    if (from) out.push({ from: from[1]!, name: from[2], lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

function ignorePatterns(): string[] {
  return fs
    .readFileSync(path.join(ROOT, `${DOCKERFILE}.dockerignore`), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Whether an ELF executable asks for a dynamic loader (a PT_INTERP program header): distroless `static` has none. */
function needsDynamicLoader(file: string): boolean {
  const elf = fs.readFileSync(file);
  expect(elf.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  return Array.from({ length: phnum }, (_, i) => elf.readUInt32LE(phoff + i * phentsize)).includes(3);
}

/**
 * Replays the build stage: the context is what the .dockerignore lets in, WORKDIR and COPY place it, RUN runs with
 * the build image's settings (no cgo unless the line says so); absolute output paths land under `out`. Returns the
 * path of the file the runtime stage copies from the build stage.
 */
function replayBuildStage(build: Stage, runtime: Stage, dir: string): string {
  const root = path.join(dir, 'rootfs');
  let workdir = '/';
  const inRoot = (p: string) => path.join(root, p);
  for (const line of build.lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    if (instruction === 'WORKDIR') workdir = rest[0]!;
    else if (instruction === 'COPY') {
      const dest = path.posix.resolve(workdir, rest.at(-1)!);
      for (const src of rest.slice(0, -1)) {
        const files = src.endsWith('/')
          ? fs
              .readdirSync(path.join(ROOT, src), { recursive: true, withFileTypes: true })
              .filter((e) => e.isFile())
              .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
          : [src];
        for (const file of files.filter((f) => allowedByDockerignore(f, ignorePatterns()))) {
          const target = src.endsWith('/') ? path.join(inRoot(dest), path.relative(src, file)) : path.join(inRoot(dest), path.basename(file));
          fs.mkdirSync(path.dirname(target), { recursive: true });
          fs.copyFileSync(path.join(ROOT, file), target);
        }
      }
    } else if (instruction === 'RUN') {
      const command = rest.join(' ').replace(/(\s)\/(out|src)\//g, (_m, space: string, top: string) => `${space}${inRoot(`/${top}/`)}`);
      fs.mkdirSync(inRoot(workdir), { recursive: true });
      execFileSync('sh', ['-c', command], {
        cwd: inRoot(workdir),
        env: { ...process.env, PATH: `${path.dirname(GO!)}:${process.env.PATH}` },
        stdio: 'pipe',
        timeout: 600_000,
      });
    }
  }
  const copy = runtime.lines.find((l) => l.startsWith(`COPY --from=${build.name} `))!;
  return inRoot(copy.split(/\s+/)[2]!);
}

describe('load-client image', () => {
  const [build, runtime] = stages(readDockerfile(DOCKERFILE));

  it('two stages: a static Go build of scripts/loadclient on golang:1.26, then distroless static as nonroot', () => {
    expect(build).toMatchObject({ from: 'golang:1.26', name: 'build' });
    expect(build!.lines).toContain('RUN CGO_ENABLED=0 go build -trimpath -ldflags=-s -o /out/loadclient .');
    expect(runtime!.from).toBe('gcr.io/distroless/static-debian12:nonroot');
    expect(runtime!.lines).toEqual(['COPY --from=build /out/loadclient /loadclient', 'USER 65532:65532', 'EXPOSE 8080', 'ENTRYPOINT ["/loadclient", "serve"]']);
    // The context holds the Go module (go build leaves its _test.go files out), not the rest of the repository.
    const patterns = ignorePatterns();
    for (const file of ['scripts/loadclient/go.mod', 'scripts/loadclient/go.sum', 'scripts/loadclient/main.go'])
      expect(allowedByDockerignore(file, patterns), file).toBe(true);
    expect(allowedByDockerignore('package.json', patterns)).toBe(false);
    expect(fs.readFileSync(path.join(ROOT, 'scripts/loadclient/go.mod'), 'utf8')).toMatch(/^module \S+$/m);
    expect(fs.readFileSync(path.join(ROOT, 'scripts/loadclient/main.go'), 'utf8')).toMatch(/^package main$/m);
  });
});

describe.skipIf(!GO && !onCi)('the binary the image builds, in a pod, against a kube-apiserver', () => {
  let tmp: string;
  let binary: string;
  let cp: TestControlPlane;
  let output = () => '';
  let mount: string;
  const children: ChildProcess[] = [];

  /** The binary as the rendered client pod of `group` starts it: the pod's environment (downward API filled in), the projected volume. */
  function spawnPod(group: ClientGroup, name: string): { child: ChildProcess; output: string } {
    const manifest = clientPodManifest({
      name,
      namespace: 'test',
      group,
      fleet: 'f0',
      genericKubeconfig: { secretName: 'generic-token-kubeconfig-x' } as never,
      randomSeed: 5,
      image: 'img',
      imagePullPolicy: 'IfNotPresent',
    });
    const container = manifest.spec.containers[0]!;
    const env = Object.fromEntries(
      (container.env as { name: string; value?: string }[]).map((e) => [
        e.name,
        e.value ?? { POD_NAME: name, POD_NAMESPACE: 'test', POD_IP: '127.0.0.1' }[e.name]!,
      ]),
    );
    expect(Object.keys(env).sort()).toEqual(Object.values(LOAD_CLIENT_ENV).sort());
    const started = {
      child: spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--kubeconfig-dir', mount], { env, stdio: ['ignore', 'pipe', 'pipe'] }),
      output: '',
    };
    started.child.stdout!.on('data', (d: Buffer) => (started.output += d.toString()));
    started.child.stderr!.on('data', (d: Buffer) => (started.output += d.toString()));
    children.push(started.child);
    return started;
  }

  /** The pod's control port, from its "serving" line. */
  function controlAddress(output: () => string): Promise<string> {
    return pollUntil(
      async () => /"control":"(127\.0\.0\.1:\d+)"/.exec(output())?.[1],
      (a) => a !== undefined,
      { timeoutMs: 20_000, intervalMs: 50, what: `the load client's "serving" line (output so far: ${output().slice(0, 300)})` },
    ) as Promise<string>;
  }

  beforeAll(async () => {
    if (!GO) throw new Error('the Go toolchain (go) is needed to build the load client: https://go.dev/doc/install');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-load-client-'));
    const [build, runtime] = stages(readDockerfile(DOCKERFILE));
    binary = replayBuildStage(build!, runtime!, tmp);
    cp = await startTestControlPlane({}, 1);
    // The projected volume of docs/gardener.md#pod-wiring: the generic kubeconfig (tokenFile) and the token.
    mount = path.join(tmp, 'generic-kubeconfig');
    fs.mkdirSync(mount);
    fs.writeFileSync(path.join(mount, 'token'), `${ADMIN_TOKEN}\n`);
    fs.writeFileSync(
      path.join(mount, 'kubeconfig'),
      renderKubeconfig({
        contextName: 'test',
        server: cp.urls[0]!,
        caPem: cp.pki.authorities.ca.certPem,
        tokenFile: path.join(mount, 'token'),
        tlsServerName: 'kube-apiserver',
      }),
    );
    const group = Scenario.parse({
      name: 't',
      clients: [{ name: 'ctl', rate: 40, qps: 100, burst: 100, arrival: 'constant', mix: [{ verb: 'get', resource: 'leases', objects: 2 }] }],
    }).clients[0]!;
    const pod = spawnPod(group, 'ctl-0');
    output = () => pod.output;
  }, 660_000);
  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await cp?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is a static executable (distroless static has no dynamic loader)', () => {
    expect(needsDynamicLoader(binary)).toBe(false);
  });

  it('warms up, runs from the shared start and reports its accounting over the control port', async () => {
    const address = await controlAddress(output);
    const get = async (p: string) => {
      const res = await fetch(`http://${address}${p}`);
      return { status: res.status, body: (await res.json()) as any };
    };
    expect(await get(CONTROL_PATHS.healthz)).toMatchObject({ status: 200, body: { ok: true, pod: 'ctl-0' } });
    const prepared = await get(controlPath(CONTROL_PATHS.prepare, { retryForMs: 0 }));
    expect(prepared.status).toBe(200);
    expect(prepared.body.error).toBeUndefined();
    expect(prepared.body.answered).toBeGreaterThanOrEqual(2);
    expect((await get(CONTROL_PATHS.result)).status).toBe(202);
    expect((await get(controlPath(CONTROL_PATHS.run, { durationMs: 1000, maxRequests: 1000, epochUnixMs: Date.now() + 200 }))).status).toBe(202);
    expect((await get(controlPath(CONTROL_PATHS.run, { durationMs: 1000, maxRequests: 1000, epochUnixMs: Date.now() }))).status).toBe(409);
    expect((await get(controlPath(CONTROL_PATHS.set, { rate: 20 }))).status).toBe(200);
    const done = await pollUntil(
      () => get(CONTROL_PATHS.result),
      (r) => r.status !== 202,
      { timeoutMs: 20_000, intervalMs: 100, what: 'the result' },
    );
    expect(done.status).toBe(200);
    const result = done.body as ClientRunResult;
    expect(result.pod).toBe('ctl-0');
    expect(result.answeredByCode['200']).toBeGreaterThan(10);
    expect(result.errors).toEqual({});
    expect(result.connections.opened).toBe(1);
  });

  it('runs a rendered http1-pool pod: its keep-alive pool of HTTP/1.1 connections (the spec it refused before)', async () => {
    const group = Scenario.parse({
      name: 't',
      clients: [{ name: 'pool', profile: 'http1-pool', rate: 20, qps: 100, http1: { connections: 2 }, mix: [{ verb: 'get', resource: 'leases', objects: 2 }] }],
    }).clients[0]!;
    const pod = spawnPod(group, 'pool-0');
    const address = await controlAddress(() => pod.output);
    const get = async (p: string) => {
      const res = await fetch(`http://${address}${p}`);
      return { status: res.status, body: (await res.json()) as any };
    };
    expect((await get(controlPath(CONTROL_PATHS.prepare, { retryForMs: 0 }))).body.error).toBeUndefined();
    expect((await get(controlPath(CONTROL_PATHS.run, { durationMs: 1000, maxRequests: 1000, epochUnixMs: Date.now() + 200 }))).status).toBe(202);
    // The pool's rate is fixed while it runs (scenarios/events.ts refuses set-clients on it).
    expect((await get(controlPath(CONTROL_PATHS.set, { rate: 40 }))).status).toBe(409);
    const done = await pollUntil(
      () => get(CONTROL_PATHS.result),
      (r) => r.status !== 202,
      { timeoutMs: 20_000, intervalMs: 100, what: 'the result' },
    );
    const result = done.body as ClientRunResult;
    // 20 req/s for 1 s over 2 connections, 10 on each.
    expect(result.errors).toEqual({});
    expect(result.finalByCode).toEqual({ 200: 20 });
    expect(result.connections.opened).toBe(2);
  });
});

describe('protocol', () => {
  it('builds pod-proxy paths and parses run requests strictly', () => {
    expect(podProxyPath('shoot--a--b', 'heavy-0', controlPath(CONTROL_PATHS.run, { durationMs: 8000, maxRequests: 10, drainTimeoutMs: undefined }))).toBe(
      '/api/v1/namespaces/shoot--a--b/pods/heavy-0:8080/proxy/run?durationMs=8000&maxRequests=10',
    );
    expect(parseRunRequest(new URLSearchParams('durationMs=8000&maxRequests=10.7&epochUnixMs=5'))).toEqual({
      durationMs: 8000,
      maxRequests: 10,
      drainTimeoutMs: undefined,
      epochUnixMs: 5,
    });
    expect(() => parseRunRequest(new URLSearchParams('durationMs=0&maxRequests=1&epochUnixMs=1'))).toThrow(/durationMs must be > 0/);
    expect(() => parseRunRequest(new URLSearchParams('maxRequests=1'))).toThrow(/missing durationMs/);
    expect(() => parseLoadClientSpec('{"group":"g"}')).toThrow(/has no "profile"/);
  });
});
