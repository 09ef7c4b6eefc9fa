// Discovery documents: /version, /api, /apis, /api/v1, /apis/<group>/<version>, in the shapes of a v1.32
// kube-apiserver (the legacy, non-aggregated form; kubectl falls back to it when the aggregated form is not offered).
import { ALL_DISCOVERABLE, apiGroups } from './resources.ts';

export const SIMULATED_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23',
  compiler: 'gc',
  platform: 'linux/amd64',
};

export function discoveryDocument(path: string, serverAddress: string): unknown | undefined {
  const trimmed = path.replace(/\/+$/, '') || '/';
  if (trimmed === '/version') return SIMULATED_VERSION;
  if (trimmed === '/api') {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
  }
  if (trimmed === '/apis') {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: apiGroups().map((g) => ({
        name: g.name,
        versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] },
      })),
    };
  }
  const core = /^\/api\/(v1)$/.exec(trimmed);
  const grouped = /^\/apis\/([^/]+)\/([^/]+)$/.exec(trimmed);
  const group = core ? '' : grouped?.[1];
  const version = core ? core[1] : grouped?.[2];
  if (group === undefined || version === undefined) {
    const groupOnly = /^\/apis\/([^/]+)$/.exec(trimmed);
    const g = groupOnly && apiGroups().find((x) => x.name === groupOnly[1]);
    if (g)
      return {
        kind: 'APIGroup',
        apiVersion: 'v1',
        name: g.name,
        versions: g.versions.map((v) => ({ groupVersion: `${g.name}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${g.name}/${g.versions[0]}`, version: g.versions[0] },
      };
    return undefined;
  }
  const resources = ALL_DISCOVERABLE.filter((r) => r.group === group && r.version === version);
  if (resources.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: resources.map((r) => ({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
      storageVersionHash: Buffer.from(r.resource).toString('base64').slice(0, 11),
    })),
  };
}
