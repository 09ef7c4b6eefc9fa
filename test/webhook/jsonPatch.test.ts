// The JSONPatch applies (rfc6902) whatever the pod already has, and escapes label keys as JSON Pointer tokens.
import { describe, expect, it } from 'vitest';
import { escapeJsonPointer, hostAliasOperations, labelOperations } from '../../webhook/jsonPatch.ts';
import { applyOps } from '../../scripts/webhookRig/pods.ts';

const alias = { ip: '10.0.0.1', hostnames: ['api.example.com'] };
const KEY = 'networking.resources.gardener.cloud/to-istio-ingress-istio-ingressgateway-internal-tcp-9443';

describe('JSONPatch', () => {
  it('escapes "/" as ~1 and "~" as ~0 (RFC 6901)', () => {
    expect(escapeJsonPointer('a/b~c')).toBe('a~1b~0c');
    expect(escapeJsonPointer('~1')).toBe('~01');
  });

  it.each([
    ['no hostAliases field', {}],
    ['hostAliases: null', { hostAliases: null }],
    ['hostAliases: []', { hostAliases: [] }],
    ['one existing alias', { hostAliases: [{ ip: '192.0.2.1', hostnames: ['x'] }] }],
  ])('host aliases apply with %s', (_, spec) => {
    const pod = { metadata: {}, spec: { containers: [], ...spec } };
    const after = applyOps(pod, hostAliasOperations((spec as { hostAliases?: unknown }).hostAliases, [alias, { ...alias, ip: 'fd00::1' }]));
    const before = ((spec as { hostAliases?: unknown[] }).hostAliases ?? []) as unknown[];
    expect(after.spec.hostAliases).toEqual([...before, alias, { ...alias, ip: 'fd00::1' }]);
  });

  it('no additions, no operations', () => {
    expect(hostAliasOperations(undefined, [])).toEqual([]);
  });

  it.each([
    ['no metadata', undefined],
    ['no labels', { name: 'p' }],
    ['labels: null', { name: 'p', labels: null }],
    ['other labels', { name: 'p', labels: { app: 'x', 'a/b': 'c' } }],
    ['the label with another value', { name: 'p', labels: { [KEY]: 'no' } }],
  ])('the label applies with %s', (_, metadata) => {
    const pod: Record<string, unknown> = { spec: {} };
    if (metadata !== undefined) pod.metadata = metadata;
    const after = applyOps(pod, labelOperations(metadata, KEY, 'allowed'));
    expect(after.metadata.labels[KEY]).toBe('allowed');
    const others = Object.entries((metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {}).filter(([k]) => k !== KEY);
    for (const [k, v] of others) expect(after.metadata.labels[k]).toBe(v);
  });

  it('a label that is already in place yields no operation', () => {
    expect(labelOperations({ labels: { [KEY]: 'allowed' } }, KEY, 'allowed')).toEqual([]);
  });

  it('a key with "~" and "/" lands on the right member', () => {
    const after = applyOps({ metadata: { labels: {} } }, labelOperations({ labels: {} }, 'x~y/z', 'v'));
    expect(after.metadata.labels).toEqual({ 'x~y/z': 'v' });
  });
});
