// Tests that need the real upstream binaries (`npm run binaries`, docs/binaries.md): with them built from the current
// pins they run; without, they are skipped with a one-line reason saying what to run; under CI=true a missing binary
// is a failure (.ci/run builds them first), so CI runs everything.
import { itUnless } from './requirement.ts';
import type { BinaryName } from '../../scripts/binaries/components.ts';
import { locateBinary, missingBinaryMessage, requireBinary } from '../../scripts/binaries/locate.ts';

/** `it`, for a test that needs every one of `names`; inside it, `binaryPath(name)` gives each path. */
export function itWithBinaries(...names: BinaryName[]) {
  const missing = names.find((n) => !locateBinary(n));
  return itUnless(missing ? missingBinaryMessage(missing) : undefined);
}

export const binaryPath = requireBinary;
