// The file system's own answer to "can this process read these files?" (docs/kind.md#file-permissions): each file is
// written to a temporary folder with the owner, group and mode the kubelet would give it (podFiles.ts), then a child
// process that switched to the container's user, group and supplementary groups (setgroups, setgid, setuid, as the
// container runtime does before exec) reads every one. A permission bug in a rendered manifest (a mode the process's
// user cannot read) comes back as the EACCES the container would get. Writing files for other users needs root.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { modeString, type MountedFile, type ProcessIdentity } from './podFiles.ts';

export interface UnreadableFile {
  /** The path inside the container. */
  path: string;
  /** `root:root r--r-----` */
  owner: string;
  /** The error code of the read, e.g. EACCES. */
  error: string;
}

/** Whether this process may write files for other users (the check needs it). */
export function canCheckFileAccess(): boolean {
  return process.getuid?.() === 0;
}

/** What the child runs: drop to the identity, read each file, print the error code per file (null: read). */
const READER = `
const fs = require('node:fs');
const { uid, gid, groups, paths } = JSON.parse(process.argv[1]);
process.setgroups(groups);
process.setgid(gid);
process.setuid(uid);
const out = paths.map((p) => { try { fs.readFileSync(p); return null; } catch (e) { return e.code || String(e); } });
process.stdout.write(JSON.stringify(out));
`;

/** The files `identity` cannot read, each with its owner, mode and the error (none: it reads every one). */
export async function unreadableFiles(files: readonly MountedFile[], identity: ProcessIdentity): Promise<UnreadableFile[]> {
  if (!canCheckFileAccess()) throw new Error('the file access check writes files owned by other users: it needs root');
  if (files.length === 0) return [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'file-access-'));
  try {
    fs.chmodSync(root, 0o755);
    const written = files.map((file, i) => {
      const target = path.join(root, String(i), path.basename(file.path));
      fs.mkdirSync(path.dirname(target), { mode: 0o755 });
      fs.writeFileSync(target, 'content\n');
      fs.chownSync(target, file.uid, file.gid);
      fs.chmodSync(target, file.mode);
      return target;
    });
    const errors = await readAs(identity, written);
    return files.flatMap((file, i) => {
      const error = errors[i];
      return error ? [{ path: file.path, owner: `${file.uid}:${file.gid} ${modeString(file.mode)}`, error }] : [];
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

function readAs(identity: ProcessIdentity, paths: string[]): Promise<(string | null)[]> {
  const input = JSON.stringify({ ...identity, paths });
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', READER, input], { timeout: 20_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`the reader process as uid ${identity.uid} failed: ${stderr.trim() || error.message}`));
      else resolve(JSON.parse(stdout) as (string | null)[]);
    });
  });
}
