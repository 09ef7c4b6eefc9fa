// What runs for each container image on the binary target (docs/binary-target.md#images): the real binaries that
// `npm run binaries` built for the upstream images, and the project's own programs for its own images, so the kind
// target's rendered pods run here unchanged. The images' USER lines are the kind target's (imageUsers.ts).
import path from 'node:path';
import { REPOSITORY_ROOT } from '../../binaries/components.ts';
import { requireBinary } from '../../binaries/locate.ts';
import type { ResolvedKindOptions } from '../kind/options.ts';

export interface ImageExecutable {
  command: string;
  args: string[];
  cwd?: string;
}

/**
 * The executable for a container: the command's first word names the binary for the upstream images
 * (`kube-apiserver`, `etcd`); the project's images run their entrypoint (the webhook CLI under Node and tsx, as
 * webhook/Dockerfile does; the Go load client).
 */
export function imageExecutable(options: Pick<ResolvedKindOptions, 'images'>) {
  return (image: string, command: string[]): ImageExecutable => {
    if (image === options.images.webhook) {
      return { command: process.execPath, args: ['--import', 'tsx', path.join(REPOSITORY_ROOT, 'webhook/cli.ts')], cwd: REPOSITORY_ROOT };
    }
    if (image === options.images.loadClient) return { command: requireBinary('loadclient'), args: [] };
    const [first, ...rest] = command;
    if (first === 'kube-apiserver') return { command: requireBinary('kube-apiserver'), args: rest };
    if (first === 'etcd') return { command: requireBinary('etcd'), args: rest };
    throw new Error(`the binary target has no executable for image ${image} (command ${command.join(' ') || 'none'})`);
  };
}
