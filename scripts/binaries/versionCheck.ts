// `npm run binaries -- check`: each binary's own --version, compared with its pin (docs/binaries.md#check).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BINARIES, type BinaryName } from './components.ts';
import { locateBinary } from './locate.ts';

const execFileAsync = promisify(execFile);

export interface VersionCheck {
  name: BinaryName;
  pinned: string;
  /** What the binary says it is; undefined when it is not built or printed nothing we recognise. */
  reported?: string;
  path?: string;
  problem?: string;
}

export async function checkVersion(name: BinaryName, root?: string): Promise<VersionCheck> {
  const spec = BINARIES[name];
  const path = locateBinary(name, root);
  if (!path) return { name, pinned: spec.version, problem: 'not built from the current pins' };
  let output: string;
  try {
    const result = await execFileAsync(path, spec.versionArgs, { timeout: 30_000 });
    output = `${result.stdout}\n${result.stderr}`;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    // Some binaries print their version and exit non-zero; take the output if it is there.
    output = `${e.stdout ?? ''}\n${e.stderr ?? ''}`;
    if (!spec.parseVersion(output)) return { name, pinned: spec.version, path, problem: `${spec.versionArgs.join(' ')} failed: ${e.message.split('\n')[0]}` };
  }
  const reported = spec.parseVersion(output);
  if (!reported) return { name, pinned: spec.version, path, problem: `no version in: ${output.trim().split('\n')[0]}` };
  return reported === spec.version
    ? { name, pinned: spec.version, reported, path }
    : { name, pinned: spec.version, reported, path, problem: `reports ${reported}` };
}
