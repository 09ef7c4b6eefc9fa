// The files of a pod's secret, configMap and projected volumes, written as the kubelet writes them
// (scripts/cluster/podFiles.ts has the rules: owner, group, mode, fsGroup): each volume in a directory of the pod's
// run directory, which podProcess.ts bind-mounts at the container's own mount path in a mount namespace of the
// process, so it finds its files where its arguments and kubeconfigs say (a kubeconfig's absolute tokenFile too) with
// exactly the permissions a real node gives them, and a pod a real node could not run (a key its user cannot read)
// fails here too. emptyDir volumes are empty directories.
import fs from 'node:fs';
import path from 'node:path';
import { mountedFiles, type ObjectKeys, type PodSpecLike } from '../../../cluster/podFiles.ts';

/** The data of the Secrets and ConfigMaps the pod's volumes read, as plain strings. */
export type ObjectData = (kind: 'Secret' | 'ConfigMap', name: string) => Record<string, string> | undefined;

/** Where each mount path of the container is on this machine. */
export interface MountMap {
  /** [mountPath, hostDirectory], shortest mount path first (the order to mount them in). */
  mounts: [string, string][];
  /** The mount paths the container mounts read-only. */
  readOnly: Set<string>;
}

/**
 * Writes every file the container mounts under `rootDir/<volume>/` and creates its emptyDirs; returns where each
 * mount path lives. Secrets and ConfigMaps the pod names but `data` does not have are an error (a real pod would
 * stay in ContainerCreating).
 */
export function materializeVolumes(pod: PodSpecLike, containerName: string, data: ObjectData, rootDir: string): MountMap {
  const container = pod.containers.find((c) => c.name === containerName);
  if (!container) throw new Error(`no container ${containerName}`);
  const keysOf: ObjectKeys = (kind, name) => {
    const found = data(kind, name);
    if (!found) throw new Error(`${kind} ${name} that container ${containerName} mounts does not exist`);
    return Object.keys(found);
  };
  const mounts: [string, string][] = [];
  const readOnly = new Set<string>();
  for (const mount of (container.volumeMounts ?? []) as { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[]) {
    if (mount.subPath !== undefined) throw new Error(`container ${containerName}: subPath mounts are not supported by the binary target's kubelet`);
    if (mount.readOnly) readOnly.add(mount.mountPath.replace(/\/$/, ''));
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    if (!volume) throw new Error(`container ${containerName} mounts volume ${mount.name}, which the pod does not have`);
    const dir = path.join(rootDir, volume.name);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    // An emptyDir is writable by any user of the pod (pkg/volume/emptydir/empty_dir.go setupDir: 0777).
    if ((volume as { emptyDir?: unknown }).emptyDir !== undefined) fs.chmodSync(dir, 0o777);
    mounts.push([mount.mountPath.replace(/\/$/, ''), dir]);
  }
  for (const file of mountedFiles(pod, containerName, keysOf)) {
    const [mountPath, dir] = [...mounts].sort((a, b) => b[0].length - a[0].length).find(([m]) => file.path.startsWith(`${m}/`))!;
    const relative = file.path.slice(mountPath.length + 1);
    const content = fileContent(pod, file.volume, relative, data);
    const target = path.join(dir, relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
    fs.chownSync(target, file.uid, file.gid);
    fs.chmodSync(target, file.mode);
  }
  mounts.sort((a, b) => a[0].length - b[0].length);
  return { mounts, readOnly };
}

/** Where a container path is on this machine (unchanged when no mount covers it). */
export function hostPath(map: MountMap, containerPath: string): string {
  for (const [mountPath, dir] of [...map.mounts].sort((a, b) => b[0].length - a[0].length)) {
    if (containerPath === mountPath) return dir;
    if (containerPath.startsWith(`${mountPath}/`)) return path.join(dir, containerPath.slice(mountPath.length + 1));
  }
  return containerPath;
}

interface VolumeSources {
  secret?: { secretName: string; items?: { key: string; path: string }[] };
  configMap?: { name: string; items?: { key: string; path: string }[] };
  projected?: {
    sources: { secret?: { name: string; items?: { key: string; path: string }[] }; configMap?: { name: string; items?: { key: string; path: string }[] } }[];
  };
}

function fileContent(pod: PodSpecLike, volumeName: string, relative: string, data: ObjectData): string {
  const volume = pod.volumes!.find((v) => v.name === volumeName) as VolumeSources;
  const sources: { kind: 'Secret' | 'ConfigMap'; name: string; items?: { key: string; path: string }[] }[] = [];
  if (volume.secret) sources.push({ kind: 'Secret', name: volume.secret.secretName, items: volume.secret.items });
  if (volume.configMap) sources.push({ kind: 'ConfigMap', name: volume.configMap.name, items: volume.configMap.items });
  for (const s of volume.projected?.sources ?? []) {
    if (s.secret) sources.push({ kind: 'Secret', name: s.secret.name, items: s.secret.items });
    if (s.configMap) sources.push({ kind: 'ConfigMap', name: s.configMap.name, items: s.configMap.items });
  }
  for (const source of sources) {
    const values = data(source.kind, source.name) ?? {};
    const key = source.items ? source.items.find((i) => i.path === relative)?.key : relative;
    if (key !== undefined && key in values) return values[key]!;
  }
  throw new Error(`volume ${volumeName}: no key for ${relative}`);
}
