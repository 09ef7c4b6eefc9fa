// What a container of a pod finds on its file system, by the kubelet's rules (docs/kind.md#file-permissions): the
// files of the secret, configMap and projected volumes it mounts, each with its owner, group and mode, and the user,
// group and supplementary groups the container's process runs as. Pure; fileAccessCheck.ts writes the files with
// these owners and modes and reads them as that process, so a permission bug in a rendered manifest is found before
// a cluster is, and the binary target writes its processes' files by the same rules.
//
// The kubelet's rules (kubernetes v1.34):
// - a secret or configMap volume writes each key (or each `items` entry) as a file owned by root:root with the item's
//   `mode`, else the volume's `defaultMode`, else 0644 (SecretVolumeSourceDefaultMode, ConfigMapVolumeSourceDefaultMode,
//   ProjectedVolumeSourceDefaultMode in pkg/apis/core/types.go; AtomicWriter in pkg/volume/util/atomic_writer.go);
// - with a pod `fsGroup`, SetVolumeOwnership (pkg/volume/volume_linux.go) gives every file the group fsGroup and adds
//   0440 to its mode (these volumes are read-only: roMask), and the kubelet adds fsGroup to the process's groups;
// - the process runs as runAsUser / runAsGroup (the container's, else the pod's), else as the image's USER (the
//   container runtime reads the group of a numeric user from the image's /etc/passwd, 0 when it is not there), with
//   `supplementalGroups` and fsGroup as supplementary groups.

/** The user a process runs as. */
export interface ProcessIdentity {
  uid: number;
  gid: number;
  /** Supplementary groups. */
  groups: number[];
}

/** A file a container reads from a volume, as the kubelet leaves it. */
export interface MountedFile {
  /** Inside the container: `<mountPath>/<key or item path>`. */
  path: string;
  volume: string;
  uid: number;
  gid: number;
  /** Permission bits, e.g. 0o644. */
  mode: number;
}

/** The user (and group) an image's process runs as when the pod does not say (its USER line). */
export type ImageUsers = (image: string) => { uid: number; gid: number } | undefined;

/** The parts of a PodSpec this reads (the same shape as the rendered manifests). */
export interface PodSpecLike {
  securityContext?: { runAsUser?: number; runAsGroup?: number; fsGroup?: number; supplementalGroups?: number[] };
  containers: {
    name: string;
    image: string;
    securityContext?: { runAsUser?: number; runAsGroup?: number };
    volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
  }[];
  volumes?: VolumeLike[];
}

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}
interface VolumeLike {
  name: string;
  secret?: { secretName: string; defaultMode?: number; items?: KeyToPath[] };
  configMap?: { name: string; defaultMode?: number; items?: KeyToPath[] };
  projected?: {
    defaultMode?: number;
    sources: { secret?: { name: string; items?: KeyToPath[] }; configMap?: { name: string; items?: KeyToPath[] } }[];
  };
  [other: string]: unknown;
}

/** The keys of a Secret or ConfigMap the volume reads (undefined: not known here, one file `<any key>` stands for them). */
export type ObjectKeys = (kind: 'Secret' | 'ConfigMap', name: string) => string[] | undefined;

/** The kubelet's default mode for secret, configMap and projected volumes (0644). */
export const DEFAULT_VOLUME_MODE = 0o644;
/** What SetVolumeOwnership adds to a file of a read-only volume when the pod has an fsGroup. */
const READ_ONLY_FS_GROUP_MASK = 0o440;

/** The identity of a container's process, or why it cannot be told (no runAsUser and an image of unknown USER). */
export function containerIdentity(pod: PodSpecLike, containerName: string, imageUsers: ImageUsers): ProcessIdentity | string {
  const container = pod.containers.find((c) => c.name === containerName);
  if (!container) return `no container ${containerName}`;
  const image = imageUsers(container.image);
  const uid = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser ?? image?.uid;
  if (uid === undefined) return `container ${containerName}: no runAsUser, and the USER of image ${container.image} is not known here`;
  const gid = container.securityContext?.runAsGroup ?? pod.securityContext?.runAsGroup ?? (image && image.uid === uid ? image.gid : 0);
  const fsGroup = pod.securityContext?.fsGroup;
  const groups = [...new Set([...(fsGroup !== undefined ? [fsGroup] : []), ...(pod.securityContext?.supplementalGroups ?? [])])];
  return { uid, gid, groups };
}

/** Every file of a secret, configMap or projected volume the container mounts, with the kubelet's owner and mode. */
export function mountedFiles(pod: PodSpecLike, containerName: string, keysOf: ObjectKeys = () => undefined): MountedFile[] {
  const container = pod.containers.find((c) => c.name === containerName);
  const fsGroup = pod.securityContext?.fsGroup;
  const files: MountedFile[] = [];
  for (const mount of container?.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    if (!volume) continue;
    for (const item of volumeItems(volume, keysOf)) {
      if (mount.subPath !== undefined && mount.subPath !== item.path) continue;
      const path = mount.subPath !== undefined ? mount.mountPath : `${mount.mountPath.replace(/\/$/, '')}/${item.path}`;
      const mode = fsGroup !== undefined ? item.mode | READ_ONLY_FS_GROUP_MASK : item.mode;
      files.push({ path, volume: volume.name, uid: 0, gid: fsGroup ?? 0, mode });
    }
  }
  return files;
}

/** The files a volume holds: each item (or key) with its mode. */
function volumeItems(volume: VolumeLike, keysOf: ObjectKeys): { path: string; mode: number }[] {
  const fromSource = (kind: 'Secret' | 'ConfigMap', name: string, items: KeyToPath[] | undefined, defaultMode: number) =>
    items
      ? items.map((i) => ({ path: i.path, mode: i.mode ?? defaultMode }))
      : (keysOf(kind, name) ?? ['<any key>']).map((key) => ({ path: key, mode: defaultMode }));
  if (volume.secret) return fromSource('Secret', volume.secret.secretName, volume.secret.items, volume.secret.defaultMode ?? DEFAULT_VOLUME_MODE);
  if (volume.configMap) return fromSource('ConfigMap', volume.configMap.name, volume.configMap.items, volume.configMap.defaultMode ?? DEFAULT_VOLUME_MODE);
  if (volume.projected) {
    const defaultMode = volume.projected.defaultMode ?? DEFAULT_VOLUME_MODE;
    return volume.projected.sources.flatMap((s) =>
      s.secret
        ? fromSource('Secret', s.secret.name, s.secret.items, defaultMode)
        : s.configMap
          ? fromSource('ConfigMap', s.configMap.name, s.configMap.items, defaultMode)
          : [],
    );
  }
  return [];
}

/** `0o644` → `rw-r--r--`. */
export function modeString(mode: number): string {
  return [6, 3, 0].map((shift) => ['r', 'w', 'x'].map((c, i) => ((mode >> (shift + 2 - i)) & 1 ? c : '-')).join('')).join('');
}
