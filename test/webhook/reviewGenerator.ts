// Seeded generator of AdmissionReview requests for the fuzz test: valid reviews with a known expected outcome
// (the oracle), and broken ones (truncated, retyped fields, junk bytes, deep nesting, wrong headers).
import { Rng } from '../../scripts/core/random.ts';
import { pod, projectedKubeconfigVolume, review } from '../../scripts/webhookRig/pods.ts';

/** Namespaces of the fixture apiserver and what the webhook must do for a selected pod there. */
export const FUZZ_NAMESPACES = {
  'ns-l7': 'mutated',
  'ns-l4': 'allowed',
  'ns-empty-hosts': 'denied-403',
  'ns-no-service': 'denied-404',
} as const;
export type Expectation = 'mutated' | 'allowed' | 'denied-403' | 'denied-404';

export interface GeneratedCase {
  body: string | Buffer;
  contentType: string;
  /** Set for valid reviews: what the answer must be. */
  expect?: Expectation;
  /** The uid the answer must carry, when the request has a usable one. */
  uid?: string;
  apiVersion?: string;
  object?: unknown;
  kind: string;
}

const JUNK: (() => unknown)[] = [
  () => null,
  () => 42,
  () => -1.5,
  () => true,
  () => '',
  () => 'x'.repeat(5000),
  () => [],
  () => [null, 1, 'a'],
  () => ({}),
  () => ({ a: { b: [] } }),
];

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)]!;
}

function randomName(rng: Rng): string {
  return pick(rng, [
    'generic-token-kubeconfig',
    'generic-token-kubeconfig-',
    'generic-token-kubeconfig-abc123',
    'generic-token-kubeconfi',
    'shoot-access-x',
    'kube-root-ca.crt',
    '',
    'GENERIC-TOKEN-KUBECONFIG-1',
    `s-${rng.int(1000)}`,
  ]);
}

function randomVolume(rng: Rng): unknown {
  switch (rng.int(7)) {
    case 0:
      return { name: `v${rng.int(100)}`, emptyDir: {} };
    case 1:
      return { name: `v${rng.int(100)}`, configMap: { name: randomName(rng) } };
    case 2:
      return { name: `v${rng.int(100)}`, secret: { secretName: randomName(rng) } };
    case 3:
      return {
        name: 'kubeconfig',
        projected: {
          sources: Array.from({ length: rng.int(4) }, () =>
            rng.chance(0.7) ? { secret: { name: randomName(rng) } } : { serviceAccountToken: { path: 'token' } },
          ),
        },
      };
    case 4:
      return { name: 'p', projected: pick(rng, [{}, { sources: null }, { sources: [] }, { sources: [null, {}, { secret: null }] }]) };
    case 5:
      return projectedKubeconfigVolume(`generic-token-kubeconfig-${rng.int(1e6).toString(16)}`);
    default:
      return { name: `v${rng.int(100)}`, secret: { secretName: null } };
  }
}

function isSelected(volumes: unknown[]): boolean {
  for (const v of volumes as { secret?: { secretName?: unknown }; projected?: { sources?: unknown } }[]) {
    if (!v || typeof v !== 'object') continue;
    const name = v.secret?.secretName;
    if (typeof name === 'string' && name.startsWith('generic-token-kubeconfig')) return true;
    const sources = v.projected?.sources;
    if (Array.isArray(sources) && sources.some((s) => typeof s?.secret?.name === 'string' && s.secret.name.startsWith('generic-token-kubeconfig'))) return true;
  }
  return false;
}

function validCase(rng: Rng, index: number): GeneratedCase {
  const namespace = pick(rng, Object.keys(FUZZ_NAMESPACES)) as keyof typeof FUZZ_NAMESPACES;
  const volumes = Array.from({ length: rng.int(6) }, () => randomVolume(rng));
  const labels = rng.chance(0.3)
    ? undefined
    : rng.chance(0.2)
      ? null
      : Object.fromEntries(Array.from({ length: rng.int(4) }, (_, i) => [`l${i}.example/k`, `v${i}`]));
  const hostAliases = rng.chance(0.6) ? undefined : Array.from({ length: rng.int(4) }, (_, i) => ({ ip: `192.0.2.${i + 1}`, hostnames: ['old.example'] }));
  const object = pod({ name: `p${index}`, namespace, volumes: rng.chance(0.1) ? undefined : volumes, labels, hostAliases });
  const apiVersion = pick(rng, ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']);
  const operation = rng.chance(0.05) ? 'DELETE' : rng.chance(0.05) ? 'UPDATE' : 'CREATE';
  const uid = `uid-${index}-${rng.nextUint32().toString(16)}`;
  const selected = Array.isArray(object.spec.volumes) && isSelected(object.spec.volumes);
  const expect: Expectation = operation === 'DELETE' || !selected ? 'allowed' : FUZZ_NAMESPACES[namespace];
  return {
    kind: 'valid',
    body: JSON.stringify(review(object, { apiVersion, uid, operation, namespace })),
    contentType: 'application/json',
    expect,
    uid,
    apiVersion,
    object,
  };
}

/** Replaces one randomly chosen value anywhere in the tree with junk of another type. */
function retypeRandomField(rng: Rng, root: Record<string, unknown>): void {
  const containers: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (node: unknown, depth: number) => {
    if (depth > 8 || node === null || typeof node !== 'object') return;
    const entries = Array.isArray(node) ? node.map((v, i) => [i, v] as const) : Object.entries(node);
    for (const [key, value] of entries) {
      containers.push([node as Record<string, unknown>, key]);
      walk(value, depth + 1);
    }
  };
  walk(root, 0);
  const [parent, key] = pick(rng, containers);
  if (rng.chance(0.2) && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
  else (parent as Record<string | number, unknown>)[key] = pick(rng, JUNK)();
}

function brokenCase(rng: Rng, index: number): GeneratedCase {
  const base = validCase(rng, index);
  const text = base.body as string;
  switch (rng.int(8)) {
    case 0:
      return { kind: 'truncated', body: text.slice(0, rng.int(text.length)), contentType: 'application/json' };
    case 1: {
      const tree = JSON.parse(text);
      retypeRandomField(rng, tree);
      const uid =
        typeof tree.request?.uid === 'string' &&
        tree.request.uid !== '' &&
        ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'].includes(tree.apiVersion) &&
        tree.kind === 'AdmissionReview'
          ? tree.request.uid
          : undefined;
      return { kind: 'retyped', body: JSON.stringify(tree), contentType: 'application/json', uid };
    }
    case 2:
      return { kind: 'bytes', body: Buffer.from(Array.from({ length: rng.int(2000) }, () => rng.int(256))), contentType: 'application/json' };
    case 3:
      return { kind: 'content-type', body: text, contentType: pick(rng, ['text/plain', 'application/yaml', '', 'application/jsonx', 'multipart/form-data']) };
    case 4: {
      // Deeply nested arrays, balanced or not, at the top level or as the pod object.
      const depth = 20_000 + rng.int(50_000);
      const nested = `${'['.repeat(depth)}${']'.repeat(rng.chance(0.5) ? depth : 10)}`;
      return { kind: 'nesting', body: rng.chance(0.5) ? nested : text.replace('"object":{', `"object":${nested},"x":{`), contentType: 'application/json' };
    }
    case 5:
      return {
        kind: 'version',
        body: text.replace(
          /"apiVersion":"admission.k8s.io\/v1(beta1)?"/,
          `"apiVersion":"${pick(rng, ['admission.k8s.io/v2', 'v1', '', 'admission.k8s.io/v1alpha1'])}"`,
        ),
        contentType: 'application/json',
      };
    case 6:
      return { kind: 'json-scalar', body: pick(rng, ['null', '1', '"x"', 'true', '[]', '{}']), contentType: 'application/json; charset=utf-8' };
    default: {
      const tree = JSON.parse(text);
      delete tree.request;
      return { kind: 'no-request', body: JSON.stringify(tree), contentType: 'application/json' };
    }
  }
}

export function* generateCases(seed: number, count: number, validShare = 0.5): Generator<GeneratedCase> {
  const rng = new Rng(seed);
  for (let i = 0; i < count; i++) yield rng.chance(validShare) ? validCase(rng, i) : brokenCase(rng, i);
}
