// Where the built and fetched binaries live (docs/binaries.md#the-cache): outside the repository, one directory per
// component and version, `<root>/<name>-<version>/<name>`, next to a stamp that records what it was built from.
// Installing is atomic: the binary is written under a temporary name in the same directory and renamed into place,
// and the stamp is written (also by rename) only after it, so an interrupted build never leaves a half-written binary
// under the real name, and a binary without a matching stamp is simply built again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Overrides the cache root. */
export const BIN_DIR_ENV = 'APISERVER_LB_BIN_DIR';

export function binariesRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env[BIN_DIR_ENV]) return path.resolve(env[BIN_DIR_ENV]);
  const cacheHome = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'apiserver-l7-testbed', 'bin');
}

/** What was installed, written next to the binary once it is in place. */
export interface Stamp {
  name: string;
  version: string;
  /** The hash of everything the binary was built from (components.ts fingerprint()). */
  fingerprint: string;
  size: number;
  sha256: string;
  builtAt: string;
  buildSeconds: number;
  /** The toolchain that built it (`go1.26.8`, or the wheel it came from). */
  builtWith: string;
}

export interface CacheEntry {
  dir: string;
  binary: string;
  stampFile: string;
}

export function cacheEntry(name: string, version: string, root = binariesRoot()): CacheEntry {
  const dir = path.join(root, `${name}-${version}`);
  return { dir, binary: path.join(dir, name), stampFile: path.join(dir, 'stamp.json') };
}

export function readStamp(entry: CacheEntry): Stamp | undefined {
  try {
    return JSON.parse(fs.readFileSync(entry.stampFile, 'utf8')) as Stamp;
  } catch {
    return undefined;
  }
}

/** True when the binary is in place and was built from exactly `fingerprint` (a stat and a small read: no hashing). */
export function isCurrent(entry: CacheEntry, fingerprint: string): boolean {
  const stamp = readStamp(entry);
  if (!stamp || stamp.fingerprint !== fingerprint) return false;
  try {
    const stat = fs.statSync(entry.binary);
    return stat.isFile() && stat.size === stamp.size && (stat.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** A temporary path in the entry's directory (same file system, so the final rename is atomic). */
export function temporaryPath(entry: CacheEntry, suffix: string): string {
  fs.mkdirSync(entry.dir, { recursive: true });
  return path.join(entry.dir, `.${suffix}.tmp-${process.pid}`);
}

/** Moves a finished binary into place, then writes its stamp; both by rename. */
export function install(entry: CacheEntry, builtFile: string, stamp: Stamp): void {
  fs.chmodSync(builtFile, 0o755);
  fs.renameSync(builtFile, entry.binary);
  const stampTmp = temporaryPath(entry, 'stamp');
  fs.writeFileSync(stampTmp, `${JSON.stringify(stamp, null, 2)}\n`);
  fs.renameSync(stampTmp, entry.stampFile);
}

/** Removes temporary files that an interrupted build left (their process is gone). */
export function removeLeftovers(entry: CacheEntry): void {
  let names: string[];
  try {
    names = fs.readdirSync(entry.dir);
  } catch {
    return;
  }
  for (const name of names) {
    const match = /\.tmp-(\d+)$/.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid !== process.pid && processAlive(pid)) continue;
    fs.rmSync(path.join(entry.dir, name), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
