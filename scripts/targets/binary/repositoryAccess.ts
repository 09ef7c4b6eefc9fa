// The binary target's own images run from this checkout (images.ts): the webhook pod runs `webhook/cli.ts` under Node
// as the webhook image's user (65532, kind's imageUsers.ts), so that user must be able to reach the checkout. A clone
// under a directory only its owner may enter (`mktemp -d` makes 0700 ones, many homes are 0700 or 0750) stops the
// webhook at start with ERR_MODULE_NOT_FOUND; preflight says so first (docs/binary-target.md#images).
import fs from 'node:fs';
import path from 'node:path';
import { REPOSITORY_ROOT } from '../../binaries/components.ts';

/** The first directory from the root down to `dir` that users other than its owner and group cannot enter. */
export function closedAncestor(dir: string, stat: (p: string) => { mode: number } = fs.statSync): string | undefined {
  const parts = path.resolve(dir).split(path.sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const ancestor = path.sep + parts.slice(0, i).join(path.sep);
    if ((stat(ancestor).mode & 0o001) === 0) return ancestor;
  }
  return undefined;
}

/** One line when the image users cannot reach the checkout, saying what to do; undefined when they can. */
export function repositoryAccessProblem(root = REPOSITORY_ROOT, stat?: (p: string) => { mode: number }): string | undefined {
  const closed = closedAncestor(root, stat);
  if (closed === undefined) return undefined;
  return `the webhook pod runs as user 65532 from this checkout, but ${closed} lets only its owner and group in: run chmod o+x ${closed} (or clone the repository where other users can enter)`;
}
