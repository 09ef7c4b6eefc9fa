// Every rendered pod of the kind target, run against the file system (scripts/cluster/fileAccessCheck.ts): each file of
// the secret, configMap and projected volumes a container mounts is written with the owner and mode the kubelet would
// give it, and read by a process that runs as the container's user, group and supplementary groups. A mode the
// container's user cannot read (the webhook's TLS key at 0440 root-owned without fsGroup; Gardener's decimal 420
// written as the octal 0o420) fails here with the EACCES the pod would get. Needs root (it writes files for others).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scenario } from '../../../scenarios/schema.ts';
import { canCheckFileAccess, unreadableFiles } from '../../../scripts/cluster/fileAccessCheck.ts';
import { containerIdentity, mountedFiles, type PodSpecLike } from '../../../scripts/cluster/podFiles.ts';
import { dryRunKindScenario, type KindDryRun } from '../../../scripts/targets/kind/dryRun.ts';
import { kindImageUsers, NONROOT } from '../../../scripts/targets/kind/imageUsers.ts';
import { resolveKindOptions } from '../../../scripts/targets/kind/options.ts';
import type { KubeManifest } from '../../../scripts/targets/kind/steps.ts';
import { readDockerfile } from '../../helpers/dockerImage.ts';

const root = canCheckFileAccess();
const options = resolveKindOptions();
const images = kindImageUsers(options);

/** Each pod template of the rendered objects: Pods and the Deployments' templates. */
function podSpecs(objects: KubeManifest[]): { name: string; spec: PodSpecLike }[] {
  return objects.flatMap((o) => {
    if (o.kind === 'Pod') return [{ name: `pod ${o.metadata.namespace}/${o.metadata.name}`, spec: o.spec as PodSpecLike }];
    if (o.kind === 'Deployment')
      return [{ name: `deployment ${o.metadata.namespace}/${o.metadata.name}`, spec: (o.spec as { template: { spec: PodSpecLike } }).template.spec }];
    return [];
  });
}

/** Each container's files it cannot read, as `<pod> <container> (uid:gid +groups): <path> <owner> <error>`. */
async function unreadable(objects: KubeManifest[]): Promise<string[]> {
  const keys = (kind: 'Secret' | 'ConfigMap', name: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    return found ? Object.keys((found.data as Record<string, string> | undefined) ?? {}) : undefined;
  };
  const problems: string[] = [];
  for (const pod of podSpecs(objects))
    for (const container of pod.spec.containers) {
      const identity = containerIdentity(pod.spec, container.name, images);
      if (typeof identity === 'string') {
        problems.push(`${pod.name}: ${identity}`);
        continue;
      }
      const who = `${pod.name} ${container.name} (${identity.uid}:${identity.gid} +${identity.groups.join(',') || 'none'})`;
      for (const file of await unreadableFiles(mountedFiles(pod.spec, container.name, keys), identity))
        problems.push(`${who}: ${file.path} ${file.owner} ${file.error}`);
    }
  return problems;
}

describe('the kubelet rules for mounted files', () => {
  it('owner root, mode from the item or the volume (default 0644); fsGroup adds its group, 0440 and a supplementary group', () => {
    const spec: PodSpecLike = {
      containers: [
        {
          name: 'c',
          image: 'img',
          volumeMounts: [
            { name: 'v', mountPath: '/m/' },
            { name: 'p', mountPath: '/p' },
          ],
        },
      ],
      volumes: [
        {
          name: 'v',
          secret: {
            secretName: 's',
            defaultMode: 0o400,
            items: [
              { key: 'a', path: 'a.key', mode: 0o600 },
              { key: 'b', path: 'b' },
            ],
          },
        },
        { name: 'p', projected: { sources: [{ configMap: { name: 'cm' } }] } },
      ],
    };
    expect(mountedFiles(spec, 'c', () => ['x'])).toEqual([
      { path: '/m/a.key', volume: 'v', uid: 0, gid: 0, mode: 0o600 },
      { path: '/m/b', volume: 'v', uid: 0, gid: 0, mode: 0o400 },
      { path: '/p/x', volume: 'p', uid: 0, gid: 0, mode: 0o644 },
    ]);
    const withGroup = { ...spec, securityContext: { runAsUser: 7, fsGroup: 9, supplementalGroups: [5] } };
    expect(mountedFiles(withGroup, 'c', () => ['x']).map((f) => [f.gid, f.mode])).toEqual([
      [9, 0o640],
      [9, 0o440],
      [9, 0o644],
    ]);
    expect(containerIdentity(withGroup, 'c', () => undefined)).toEqual({ uid: 7, gid: 0, groups: [9, 5] });
    expect(containerIdentity(spec, 'c', () => ({ uid: 65532, gid: 65532 }))).toEqual({ uid: 65532, gid: 65532, groups: [] });
    expect(containerIdentity(spec, 'c', () => undefined)).toMatch(/no runAsUser, and the USER of image img is not known here/);
  });

  it("the project's images run as distroless's nonroot user, as the table says", () => {
    for (const dockerfile of ['webhook/Dockerfile', 'scripts/targets/kind/loadClient/Dockerfile'])
      expect(readDockerfile(dockerfile)).toMatch(new RegExp(`^USER ${NONROOT.uid}:${NONROOT.gid}$`, 'm'));
  });
});

describe.skipIf(!root)('rendered pods against the file system (as root)', () => {
  let tmp: string;
  let dry: KindDryRun;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-permissions-'));
    const scenario = Scenario.parse({
      name: 'permissions',
      topology: { neighbours: [{ name: 'quiet' }] },
      clients: [
        { name: 'heavy', rate: 5 },
        { name: 'other', rate: 1, controlPlane: 'quiet' },
      ],
    });
    dry = await dryRunKindScenario({ scenario, modes: ['l7'], randomSeed: 1, out: tmp });
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('every container of every rendered pod reads every file it mounts', async () => {
    const objects = dry.modes.flatMap((m) => m.plan.files.flatMap((f) => f.objects ?? []));
    const pods = podSpecs(objects).map((p) => p.name);
    // The webhook, etcd, kube-apiserver (each control plane) and the client pods (each control plane) are all here.
    expect(pods.filter((p) => p.startsWith('deployment garden/'))).toHaveLength(1);
    expect(pods.filter((p) => p.endsWith('/kube-apiserver'))).toHaveLength(2);
    expect(pods.filter((p) => p.startsWith('pod '))).toHaveLength(2);
    expect(await unreadable(objects)).toEqual([]);
  });

  it('the check fails for the modes a non-root pod cannot read (the check is not vacuous)', async () => {
    const objects = dry.modes.flatMap((m) => m.plan.files.flatMap((f) => f.objects ?? []));
    const broken = structuredClone(objects).map((o) => {
      const spec = o.kind === 'Deployment' ? (o.spec as { template: { spec: PodSpecLike & { volumes: any[] } } }).template.spec : (o.spec as any);
      if (o.kind === 'Deployment' && o.metadata.namespace === 'garden') delete spec.securityContext.fsGroup;
      if (o.kind === 'Pod') spec.volumes.find((v: any) => v.projected).projected.defaultMode = 0o420;
      return o;
    });
    const problems = await unreadable(broken);
    expect(
      problems.filter((p) => /deployment garden\/gardener-resource-manager webhook \(65532:65532 \+none\): \/etc\/.*\/tls\.key 0:0 r--r----- EACCES/.test(p)),
    ).toHaveLength(1);
    expect(
      problems.filter((p) =>
        /^pod .* \(65532:65532 \+none\): \/var\/run\/secrets\/gardener\.cloud\/shoot\/generic-kubeconfig\/kubeconfig 0:0 r---w---- EACCES$/.test(p),
      ),
    ).toHaveLength(2);
  });
});
