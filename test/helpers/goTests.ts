// Tests that need the Go toolchain (the Go load client's own `go test`): with Go >= MINIMUM_GO_VERSION on $PATH they
// run; without, they are skipped with a one-line reason saying what to install; under CI=true a missing Go is a
// failure (.ci/run has Go for `npm run binaries`), so CI runs everything. The same rule as tools.ts and binaries.ts (requirement.ts).
import { itUnless } from './requirement.ts';
import { findGo, type GoToolchain } from '../../scripts/binaries/goToolchain.ts';

function goOrReason(): GoToolchain | string {
  try {
    return findGo();
  } catch (error) {
    return (error as Error).message;
  }
}

/** `it`, for a test that needs Go; the test gets the toolchain. */
export function itWithGo(name: string, fn: (go: GoToolchain) => Promise<void>, timeout?: number) {
  const go = goOrReason();
  return itUnless(typeof go === 'string' ? go : undefined)(name, () => fn(go as GoToolchain), timeout);
}
