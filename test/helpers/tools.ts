// Tests that need an external program: with the program present they run; without it they are skipped with a
// one-line reason that names the Debian package; under CI=true a missing program is a failure, so CI runs everything.
import { itUnless } from './requirement.ts';
import { findTool, missingToolMessage, type ToolName } from '../../scripts/tools/externalTools.ts';

/** `it`, for a test that needs `tool`. Returns the tool's path through `toolPath(tool)` inside the test. */
export function itWithTool(tool: ToolName) {
  return itUnless(findTool(tool) ? undefined : missingToolMessage(tool));
}

export function toolPath(tool: ToolName): string {
  const found = findTool(tool);
  if (!found) throw new Error(missingToolMessage(tool));
  return found;
}
