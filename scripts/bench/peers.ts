// The bench's peers (h2load from Debian nghttp2-client, HAProxy from Debian haproxy): found through the project's
// tool registry (scripts/tools/externalTools.ts), installed with apt-get when missing (`apt-get update` first, once
// per run), and skipped with a clear message when they cannot be installed (no root, no network, no apt).
import { execa } from 'execa';
import { findTool, TOOLS, type ToolName } from '../tools/externalTools.ts';

export type PeerLookup = { ok: true; path: string; installed: boolean } | { ok: false; message: string };

let updated: Promise<boolean> | undefined;

/** The tool's path; when it is missing, tries `apt-get install -y <package>` once. */
export async function ensurePeer(name: ToolName, log: (message: string) => void = () => undefined): Promise<PeerLookup> {
  const found = findTool(name);
  if (found) return { ok: true, path: found, installed: false };
  const tool = TOOLS[name];
  const apt = await execa('apt-get', ['--version'], { reject: false, timeout: 10_000 }).catch(() => undefined);
  if (!apt || apt.exitCode !== 0) return { ok: false, message: skipMessage(name, 'apt-get is not available on this machine') };
  log(`${tool.command} is missing: apt-get install -y ${tool.debianPackage}`);
  updated ??= execa('apt-get', ['update'], { reject: false, timeout: 180_000, env: { DEBIAN_FRONTEND: 'noninteractive' } }).then(
    (r) => r.exitCode === 0,
    () => false,
  );
  if (!(await updated)) log('apt-get update failed; trying the install with the package lists this machine has');
  const install = await execa('apt-get', ['install', '-y', '--no-install-recommends', tool.debianPackage], {
    reject: false,
    timeout: 300_000,
    env: { DEBIAN_FRONTEND: 'noninteractive' },
  }).catch((error: Error) => ({ exitCode: 1, stderr: error.message, stdout: '' }));
  const path = findTool(name);
  if (path) return { ok: true, path, installed: true };
  const why = String(install.stderr || install.stdout)
    .trim()
    .split('\n')
    .slice(-1)[0];
  return { ok: false, message: skipMessage(name, `apt-get install -y ${tool.debianPackage} failed (exit ${install.exitCode}: ${why || 'no output'})`) };
}

function skipMessage(name: ToolName, why: string): string {
  const tool = TOOLS[name];
  return `${tool.command} (${tool.what}) is not installed and ${why}: its runs are skipped`;
}
