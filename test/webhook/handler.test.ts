// Handler.Default behaviour without a server (the reader is injected): every unit case of Gardener's handler_test.go
// (docs/gardener.md#upstream-tests) plus the gaps that section lists and the deliberate reinvocation difference.
import { describe, expect, it } from 'vitest';
import { defaultPod, ReadError, type ConfigMapLike, type HandlerOutcome, type ServiceLike, type TargetReader } from '../../webhook/handler.ts';
import { selectGenericKubeconfig } from '../../webhook/selection.ts';
import { applyOps, ISTIO_NS, pod, projectedKubeconfigVolume, secretKubeconfigVolume, SHOOT_NS } from '../../scripts/webhookRig/pods.ts';

const LABEL = 'networking.resources.gardener.cloud/to-istio-gateway-istio-ingressgateway-internal-tcp-9443';
const HOSTS = 'api.example.com,api2.example.com';

/** An in-memory TargetReader: objects by "namespace/name"; a thrown value for a key simulates a read error. */
class MemoryReader implements TargetReader {
  configMaps = new Map<string, ConfigMapLike>();
  services = new Map<string, ServiceLike>();
  errors = new Map<string, Error>();
  reads: string[] = [];
  async getConfigMap(namespace: string, name: string) {
    this.reads.push(`cm ${namespace}/${name}`);
    const error = this.errors.get(`cm ${namespace}/${name}`);
    if (error) throw error;
    return this.configMaps.get(`${namespace}/${name}`);
  }
  async getService(namespace: string, name: string) {
    this.reads.push(`svc ${namespace}/${name}`);
    const error = this.errors.get(`svc ${namespace}/${name}`);
    if (error) throw error;
    return this.services.get(`${namespace}/${name}`);
  }
}

const quiet = { info: () => undefined, debug: () => undefined };

function readerWith(options: { hosts?: string | null; istioNamespace?: string; clusterIPs?: string[] | null } = {}): MemoryReader {
  const reader = new MemoryReader();
  if (options.hosts !== null) {
    const data: Record<string, string> = { 'istio-namespace': options.istioNamespace ?? ISTIO_NS };
    if (options.hosts !== undefined) data.hosts = options.hosts;
    else data.hosts = HOSTS;
    reader.configMaps.set(`${SHOOT_NS}/istio-internal-load-balancing`, { data });
  }
  if (options.clusterIPs !== null) {
    const ips = options.clusterIPs ?? ['10.10.10.10', '3fff::2'];
    reader.services.set(`${options.istioNamespace ?? ISTIO_NS}/istio-ingressgateway-internal`, { spec: { clusterIP: ips[0], clusterIPs: ips } });
  }
  return reader;
}

function mutated(outcome: HandlerOutcome) {
  if (outcome.kind !== 'mutated') throw new Error(`expected a mutation, got ${JSON.stringify(outcome)}`);
  return outcome;
}

describe('selection (docs/webhook.md#what-it-does, step 1)', () => {
  it('selects a projected secret source and a plain secret volume by prefix, first match wins', () => {
    expect(selectGenericKubeconfig(pod({ volumes: [projectedKubeconfigVolume()] }))).toEqual({
      selected: true,
      secretName: 'generic-token-kubeconfig-foobar',
      via: 'projected',
    });
    expect(selectGenericKubeconfig(pod({ volumes: [secretKubeconfigVolume('generic-token-kubeconfig')] }))).toEqual({
      selected: true,
      secretName: 'generic-token-kubeconfig',
      via: 'secret',
    });
    expect(
      selectGenericKubeconfig(pod({ volumes: [secretKubeconfigVolume('generic-token-kubeconfig-a'), projectedKubeconfigVolume('generic-token-kubeconfig-b')] }))
        .secretName,
    ).toBe('generic-token-kubeconfig-a');
  });
  it('ignores other names, other volume types and odd shapes', () => {
    for (const volumes of [
      [],
      [{ name: 'x', secret: { secretName: 'my-generic-token-kubeconfig' } }],
      [{ name: 'x', secret: { secretName: 'Generic-token-kubeconfig' } }],
      [{ name: 'x', configMap: { name: 'generic-token-kubeconfig' } }],
      [{ name: 'x', projected: { sources: [{ configMap: { name: 'generic-token-kubeconfig' } }, { serviceAccountToken: { path: 't' } }] } }],
      [
        { name: 'x', projected: { sources: null } },
        { name: 'y', projected: {} },
        { name: 'z', projected: { sources: [null, {}, { secret: null }, { secret: { name: '' } }] } },
      ],
      [null, 3, 'generic-token-kubeconfig', { secret: { secretName: 42 } }, { secret: { secretName: '' } }],
    ]) {
      expect(selectGenericKubeconfig(pod({ volumes }))).toEqual({ selected: false });
    }
    expect(selectGenericKubeconfig({})).toEqual({ selected: false });
    expect(selectGenericKubeconfig(null)).toEqual({ selected: false });
  });
});

describe('defaultPod: handler_test.go cases (docs/gardener.md#upstream-tests)', () => {
  it('1. ConfigMap absent: success, no mutation (pod without volumes stops at the volume check, no reads)', async () => {
    const reader = new MemoryReader();
    expect(await defaultPod(pod(), SHOOT_NS, reader, quiet)).toEqual({ kind: 'skipped', reason: 'no-generic-kubeconfig' });
    expect(reader.reads).toEqual([]);
  });

  it('1b. ConfigMap absent for a selected pod: success, no mutation (a branch upstream leaves untested)', async () => {
    const reader = readerWith({ hosts: null });
    expect(await defaultPod(pod({ volumes: [projectedKubeconfigVolume()] }), SHOOT_NS, reader, quiet)).toEqual({
      kind: 'skipped',
      reason: 'configmap-not-found',
    });
    expect(reader.reads).toEqual([`cm ${SHOOT_NS}/istio-internal-load-balancing`]);
  });

  it('2a. pod without a generic kubeconfig volume: no mutation', async () => {
    const reader = readerWith();
    const outcome = await defaultPod(pod({ volumes: [{ name: 'data', emptyDir: {} }] }), SHOOT_NS, reader, quiet);
    expect(outcome).toEqual({ kind: 'skipped', reason: 'no-generic-kubeconfig' });
  });

  it('2b. projected generic-token-kubeconfig-foobar, dual-stack Service: 2 host aliases in clusterIPs order and the label', async () => {
    const reader = readerWith();
    const subject = pod({ volumes: [projectedKubeconfigVolume()] });
    const outcome = mutated(await defaultPod(subject, SHOOT_NS, reader, quiet));
    const after = applyOps(subject, outcome.patch);
    expect(after.spec.hostAliases).toEqual([
      { ip: '10.10.10.10', hostnames: ['api.example.com', 'api2.example.com'] },
      { ip: '3fff::2', hostnames: ['api.example.com', 'api2.example.com'] },
    ]);
    expect(after.metadata.labels).toEqual({ [LABEL]: 'allowed' });
    expect(reader.reads).toEqual([`cm ${SHOOT_NS}/istio-internal-load-balancing`, `svc ${ISTIO_NS}/istio-ingressgateway-internal`]);
  });

  it('2c. no Service: denied with the NotFound status (404, services "istio-ingressgateway-internal" not found)', async () => {
    const outcome = await defaultPod(pod({ volumes: [projectedKubeconfigVolume()] }), SHOOT_NS, readerWith({ clusterIPs: null }), quiet);
    expect(outcome).toMatchObject({ kind: 'denied', status: { code: 404, reason: 'NotFound', message: 'services "istio-ingressgateway-internal" not found' } });
  });
});

describe("defaultPod: the gaps upstream's tests leave", () => {
  it('plain secret volume: mutated like the projected case', async () => {
    const subject = pod({ volumes: [secretKubeconfigVolume('generic-token-kubeconfig-8c9d2a1b')] });
    const outcome = mutated(await defaultPod(subject, SHOOT_NS, readerWith({ clusterIPs: ['10.0.0.10'] }), quiet));
    expect(outcome.secretName).toBe('generic-token-kubeconfig-8c9d2a1b');
    expect(applyOps(subject, outcome.patch).spec.hostAliases).toEqual([{ ip: '10.0.0.10', hostnames: ['api.example.com', 'api2.example.com'] }]);
  });

  it.each([
    ['empty', ''],
    ['missing', undefined],
  ])("%s hosts: denied 403 with Gardener's message, Service not read", async (_, hosts) => {
    const reader = readerWith({ hosts: hosts as string });
    if (hosts === undefined) delete reader.configMaps.get(`${SHOOT_NS}/istio-internal-load-balancing`)!.data!.hosts;
    const outcome = await defaultPod(pod({ volumes: [projectedKubeconfigVolume()] }), SHOOT_NS, reader, quiet);
    expect(outcome).toEqual({
      kind: 'denied',
      status: { code: 403, reason: 'Forbidden', message: `"hosts" key in configmap "${SHOOT_NS}/istio-internal-load-balancing" provides an empty value` },
    });
    expect(reader.reads).toHaveLength(1);
  });

  it('dual-stack order follows spec.clusterIPs (IPv6 first stays first)', async () => {
    const subject = pod({ volumes: [projectedKubeconfigVolume()] });
    const outcome = mutated(await defaultPod(subject, SHOOT_NS, readerWith({ clusterIPs: ['fd00::17', '10.2.15.178'] }), quiet));
    expect(outcome.hostAliases.map((a) => a.ip)).toEqual(['fd00::17', '10.2.15.178']);
  });

  it('hosts are split on "," without trimming or de-duplication', async () => {
    const outcome = mutated(
      await defaultPod(
        pod({ volumes: [projectedKubeconfigVolume()] }),
        SHOOT_NS,
        readerWith({ hosts: 'a.example, b.example,a.example', clusterIPs: ['10.0.0.1'] }),
        quiet,
      ),
    );
    expect(outcome.hostAliases[0]!.hostnames).toEqual(['a.example', ' b.example', 'a.example']);
  });

  it('pre-existing hostAliases and labels: appended and added, nothing replaced; an existing label value is overwritten', async () => {
    const subject = pod({
      volumes: [projectedKubeconfigVolume()],
      labels: { app: 'kube-controller-manager', 'networking.resources.gardener.cloud/to-kube-apiserver-tcp-443': 'allowed', [LABEL]: 'disallowed' },
      hostAliases: [{ ip: '192.0.2.1', hostnames: ['legacy.example'] }],
    });
    const outcome = mutated(await defaultPod(subject, SHOOT_NS, readerWith(), quiet));
    expect(outcome.patch.map((op) => op.path)).toEqual(['/spec/hostAliases/-', '/spec/hostAliases/-', `/metadata/labels/${LABEL.replace('/', '~1')}`]);
    const after = applyOps(subject, outcome.patch);
    expect(after.spec.hostAliases.map((a: { ip: string }) => a.ip)).toEqual(['192.0.2.1', '10.10.10.10', '3fff::2']);
    expect(after.metadata.labels).toEqual({
      app: 'kube-controller-manager',
      'networking.resources.gardener.cloud/to-kube-apiserver-tcp-443': 'allowed',
      [LABEL]: 'allowed',
    });
  });

  it('label shortening for a long istio namespace (virtual garden)', async () => {
    const reader = readerWith({ istioNamespace: 'virtual-garden-istio-ingress' });
    const outcome = mutated(await defaultPod(pod({ volumes: [projectedKubeconfigVolume()], labels: null }), SHOOT_NS, reader, quiet));
    expect(outcome.label).toBe('networking.resources.gardener.cloud/to-virtual-garden-istio-ingress-istio-ingressgateway-inte-02e09');
    expect(outcome.patch.at(-1)).toEqual({ op: 'add', path: '/metadata/labels', value: { [outcome.label]: 'allowed' } });
  });

  it('reinvocation (beyond Gardener): the second pass adds no duplicate alias and no patch at all', async () => {
    const reader = readerWith();
    const first = applyOps(
      pod({ volumes: [projectedKubeconfigVolume()] }),
      mutated(await defaultPod(pod({ volumes: [projectedKubeconfigVolume()] }), SHOOT_NS, reader, quiet)).patch,
    );
    const second = mutated(await defaultPod(first, SHOOT_NS, reader, quiet));
    expect(second.patch).toEqual([]);
    expect(second.hostAliases).toEqual([]);
    // Only the ones already present are skipped: a new clusterIP is still appended.
    reader.services.get(`${ISTIO_NS}/istio-ingressgateway-internal`)!.spec!.clusterIPs = ['10.10.10.11'];
    const third = mutated(await defaultPod(first, SHOOT_NS, reader, quiet));
    expect(applyOps(first, third.patch).spec.hostAliases.map((a: { ip: string }) => a.ip)).toEqual(['10.10.10.10', '3fff::2', '10.10.10.11']);
  });

  it('reads the ConfigMap in the pod namespace, falling back to the request namespace', async () => {
    const reader = readerWith();
    const subject = pod({ volumes: [projectedKubeconfigVolume()] });
    delete subject.metadata.namespace;
    mutated(await defaultPod(subject, SHOOT_NS, reader, quiet));
    expect(reader.reads[0]).toBe(`cm ${SHOOT_NS}/istio-internal-load-balancing`);
  });
});

describe('defaultPod: error mapping (controller-runtime CustomDefaulter, docs/webhook.md#what-it-does)', () => {
  it('a ConfigMap read error without an API status: Denied (403) with the wrapped message', async () => {
    const reader = readerWith();
    reader.errors.set(`cm ${SHOOT_NS}/istio-internal-load-balancing`, new ReadError('no answer within 3000 ms'));
    expect(await defaultPod(pod({ volumes: [projectedKubeconfigVolume()] }), SHOOT_NS, reader, quiet)).toEqual({
      kind: 'denied',
      status: {
        code: 403,
        reason: 'Forbidden',
        message: `failed to get istio-internal-load-balancing configmap "${SHOOT_NS}/istio-internal-load-balancing": no answer within 3000 ms`,
      },
    });
  });

  it('a Service read error that wraps an API status (RBAC 403): allowed:false with that status', async () => {
    const reader = readerWith();
    const status = {
      code: 403,
      reason: 'Forbidden',
      message:
        'services "istio-ingressgateway-internal" is forbidden: User "system:serviceaccount:garden:x" cannot get resource "services" in API group "" in the namespace "istio-gateway"',
    };
    reader.errors.set(`svc ${ISTIO_NS}/istio-ingressgateway-internal`, new ReadError(status.message, status));
    expect(await defaultPod(pod({ volumes: [projectedKubeconfigVolume()] }), SHOOT_NS, reader, quiet)).toEqual({ kind: 'denied', status });
  });

  it('a non-status Service read error: 403 with "failed to get internal istio-ingressgateway service"', async () => {
    const reader = readerWith();
    reader.errors.set(`svc ${ISTIO_NS}/istio-ingressgateway-internal`, new Error('socket hang up'));
    const outcome = await defaultPod(pod({ volumes: [projectedKubeconfigVolume()] }), SHOOT_NS, reader, quiet);
    expect(outcome).toEqual({
      kind: 'denied',
      status: {
        code: 403,
        reason: 'Forbidden',
        message: `failed to get internal istio-ingressgateway service "${ISTIO_NS}/istio-ingressgateway-internal": socket hang up`,
      },
    });
  });

  it('an empty istio-namespace is not validated: the Service is looked up in "" and not found', async () => {
    const reader = readerWith({ istioNamespace: '' });
    reader.services.clear();
    const outcome = await defaultPod(pod({ volumes: [projectedKubeconfigVolume()] }), SHOOT_NS, reader, quiet);
    expect(reader.reads.at(-1)).toBe('svc /istio-ingressgateway-internal');
    expect(outcome).toMatchObject({ kind: 'denied', status: { code: 404 } });
  });
});
