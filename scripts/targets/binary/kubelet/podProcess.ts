// A pod's container as a process, the way a kubelet and a container runtime would start it (docs/binary-target.md#pods):
// its volumes written with the kubelet's owners and modes (volumes.ts) and bind-mounted at the container's mount paths
// in a mount namespace of its own (read-only where the pod says so), its environment and `$(VAR)` references expanded
// (expansion.ts), its own UTS namespace with the pod name as hostname (kube-apiserver derives its identity Lease from
// the hostname, kubernetes#113307), its user, group and supplementary groups (runAsUser, runAsGroup, fsGroup) set
// with setpriv, inside the pod's network namespace. What differs from a container: the rest of the file system is the
// machine's, and a mount path that does not exist on the machine is created as an empty directory (mountPoints.ts).
import path from 'node:path';
import { containerIdentity, type ImageUsers, type PodSpecLike } from '../../../cluster/podFiles.ts';
import { ManagedProcess } from '../managedProcess.ts';
import type { MountPoints } from './mountPoints.ts';
import { containerEnvironment, expand } from './expansion.ts';
import { materializeVolumes, type MountMap, type ObjectData } from './volumes.ts';

export interface ContainerLike {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  securityContext?: { runAsUser?: number; runAsGroup?: number };
}

export interface PodToRun {
  name: string;
  namespace: string;
  ip: string;
  spec: PodSpecLike & { containers: ContainerLike[] };
}

export interface PodProcessOptions {
  pod: PodToRun;
  container: string;
  /** The Secrets and ConfigMaps the volumes read. */
  data: ObjectData;
  /** This pod's own directory (volumes, log). */
  podDir: string;
  /** The executable for a container's image and command (the real binaries, or node for the project's own images). */
  executable: (image: string, command: string[]) => { command: string; args: string[]; cwd?: string };
  imageUsers: ImageUsers;
  /** What enters the pod's network namespace, e.g. `ip netns exec <ns>`. */
  enterNetwork: string[];
  extraEnv?: Record<string, string>;
}

/** The command line the pod's container runs with, as a process of this machine (exported for tests). */
export function containerCommandLine(o: PodProcessOptions): { argv: string[]; env: Record<string, string>; cwd?: string; mountPoints: string[] } {
  const container = (o.pod.spec.containers as ContainerLike[]).find((c) => c.name === o.container);
  if (!container) throw new Error(`pod ${o.pod.name} has no container ${o.container}`);
  const all = materializeVolumes(o.pod.spec, o.container, o.data, path.join(o.podDir, 'volumes'));
  const env = containerEnvironment(container.env, o.pod);
  const expandAll = (list: string[] | undefined) => (list ?? []).map((a) => expand(a, env));
  const command = expandAll(container.command);
  const { command: executable, args: prefixArgs, cwd } = o.executable(container.image, command);
  // A container's program lives in its image, which no volume covers; here it lives on the machine's file system, so
  // a mount that would hide it (an emptyDir at /tmp over a checkout under /tmp) is left out: the process then writes
  // to the machine's directory there instead (docs/binary-target.md#pods).
  const program = [executable, ...(cwd ? [cwd] : [])].map((p) => path.resolve(p));
  const mounts = { ...all, mounts: all.mounts.filter(([m]) => !program.some((p) => p === m || p.startsWith(`${m}/`))) };
  const identity = containerIdentity(o.pod.spec, o.container, o.imageUsers);
  if (typeof identity === 'string') throw new Error(`pod ${o.pod.name}: ${identity}`);
  const user =
    identity.uid === 0 && identity.gid === 0 && identity.groups.length === 0
      ? []
      : [
          'setpriv',
          `--reuid=${identity.uid}`,
          `--regid=${identity.gid}`,
          identity.groups.length > 0 ? `--groups=${identity.groups.join(',')}` : '--clear-groups',
          '--',
        ];
  // Hostname and mounts are set up in namespaces of the process's own before the user is dropped.
  const setup = ['unshare', '--uts', '--mount', '--propagation', 'private', '--', 'sh', '-c', `${mountScript(mounts)}hostname "$0" && exec "$@"`, o.pod.name];
  return {
    argv: [...o.enterNetwork, ...setup, ...user, executable, ...prefixArgs, ...expandAll(container.args)],
    env: { ...env, ...o.extraEnv },
    cwd,
    mountPoints: mounts.mounts.map(([m]) => m),
  };
}

/**
 * `mount --bind` of each volume at its mount path, then read-only where the pod says. Shortest first, so nested mounts
 * land inside; but a mount path that holds the volumes' own directories (an emptyDir at /tmp, where the run keeps them)
 * goes last, since mounting it first would hide the sources of the others.
 */
export function mountScript(map: MountMap): string {
  const sources = map.mounts.map(([, dir]) => dir);
  const shadows = (mountPath: string) => sources.some((dir) => dir.startsWith(`${mountPath}/`));
  const ordered = [...map.mounts.filter(([m]) => !shadows(m)), ...map.mounts.filter(([m]) => shadows(m))];
  const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  return ordered
    .map(([mountPath, dir]) => {
      const bind = `mount --bind ${q(dir)} ${q(mountPath)}`;
      return map.readOnly.has(mountPath) ? `${bind} && mount -o remount,bind,ro ${q(mountPath)} && ` : `${bind} && `;
    })
    .join('');
}

export function startPodProcess(o: PodProcessOptions, mountPoints: MountPoints): ManagedProcess {
  const { argv, env, cwd, mountPoints: paths } = containerCommandLine(o);
  mountPoints.ensure(paths);
  const [command, ...args] = argv;
  return new ManagedProcess({
    name: `${o.pod.namespace}/${o.pod.name}`,
    command: command!,
    args,
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', ...env },
    logFile: path.join(o.podDir, `${o.container}.log`),
  });
}
