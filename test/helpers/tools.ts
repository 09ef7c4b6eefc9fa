// Tests that need an external program: with the program present they run; without it they are skipped with a
// one-line reason that names the Debian package; under CI=true a missing program is a failure, so CI runs everything.
import { it, type TestFunction } from 'vitest';
import { findTool, missingToolMessage, type ToolName } from '../../scripts/tools/externalTools.ts';

const reported = new Set<ToolName>();

/** `it`, for a test that needs `tool`. Returns the tool's path through `toolPath(tool)` inside the test. */
export function itWithTool(tool: ToolName) {
  return (name: string, fn: TestFunction, timeout?: number) => {
    if (findTool(tool)) return it(name, fn, timeout);
    if (process.env.CI === 'true') {
      return it(name, () => {
        throw new Error(`CI=true and ${missingToolMessage(tool)}`);
      });
    }
    if (!reported.has(tool)) {
      reported.add(tool);
      console.warn(`skipping tests: ${missingToolMessage(tool)}`);
    }
    return it.skip(`${name} [skipped: ${missingToolMessage(tool)}]`, fn);
  };
}

export function toolPath(tool: ToolName): string {
  const found = findTool(tool);
  if (!found) throw new Error(missingToolMessage(tool));
  return found;
}
