// The user each image the kind target deploys runs as when its pod does not set one: the image's USER line
// (docs/kind.md#file-permissions). The file access check (scripts/cluster/podFiles.ts) needs it for the containers
// that run as the image's user: kube-apiserver and etcd (registry.k8s.io images on distroless `static`, no USER: root,
// as kubeadm's static pods run them), while the project's own images run as distroless's nonroot user 65532
// (webhook/Dockerfile and loadClient/Dockerfile: `USER 65532:65532`; test/targets/kind checks those lines).
import type { ImageUsers } from '../../cluster/podFiles.ts';
import type { ResolvedKindOptions } from './options.ts';

/** distroless's `nonroot` user and group (GoogleContainerTools/distroless base/base.bzl). */
export const NONROOT = { uid: 65532, gid: 65532 } as const;
const ROOT = { uid: 0, gid: 0 } as const;

export function kindImageUsers(o: Pick<ResolvedKindOptions, 'images' | 'etcdImage'>): ImageUsers {
  return (image) => {
    if (image === o.images.webhook || image === o.images.loadClient) return NONROOT;
    if (image === o.etcdImage || image.startsWith('registry.k8s.io/kube-apiserver:') || image.startsWith('registry.k8s.io/etcd:')) return ROOT;
    return undefined;
  };
}
