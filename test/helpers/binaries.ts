// Tests that need the real upstream binaries (`npm run binaries`, docs/binaries.md): with them built from the current
// pins they run; without, they are skipped with a one-line reason saying what to run; under CI=true a missing binary
// is a failure (.ci/run builds them first), so CI runs everything.
import { it, type TestFunction } from 'vitest';
import type { BinaryName } from '../../scripts/binaries/components.ts';
import { locateBinary, missingBinaryMessage, requireBinary } from '../../scripts/binaries/locate.ts';

const reported = new Set<string>();

/** `it`, for a test that needs every one of `names`; inside it, `binaryPath(name)` gives each path. */
export function itWithBinaries(...names: BinaryName[]) {
  return (name: string, fn: TestFunction, timeout?: number) => {
    const missing = names.filter((n) => !locateBinary(n));
    if (missing.length === 0) return it(name, fn, timeout);
    const reason = missingBinaryMessage(missing[0]!);
    if (process.env.CI === 'true') {
      return it(name, () => {
        throw new Error(`CI=true and ${reason}`);
      });
    }
    if (!reported.has(reason)) {
      reported.add(reason);
      console.warn(`skipping tests: ${reason}`);
    }
    return it.skip(`${name} [skipped: ${reason}]`, fn);
  };
}

export const binaryPath = requireBinary;
