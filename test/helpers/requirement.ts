// Tests that need something of the machine (a tool, a built binary, root and the network tools): with it they run;
// without, they are skipped with a one-line reason saying what to install or run; under CI=true a missing
// requirement is a failure, so CI runs everything. One rule for itWithTool, itWithBinaries and itWithNetwork.
import { it, type TestFunction } from 'vitest';

const reported = new Set<string>();

/** `it` when `missing` is undefined; otherwise a skip (or, under CI=true, a failure) that says `missing`. */
export function itUnless(missing: string | undefined) {
  return (name: string, fn: TestFunction, timeout?: number) => {
    if (!missing) return it(name, fn, timeout);
    if (process.env.CI === 'true') {
      return it(name, () => {
        throw new Error(`CI=true and ${missing}`);
      });
    }
    if (!reported.has(missing)) {
      reported.add(missing);
      console.warn(`skipping tests: ${missing}`);
    }
    return it.skip(`${name} [skipped: ${missing}]`, fn);
  };
}
