// End to end against the simulator's kube-apiserver: the webhook runs in its own worker thread (as in a simulated
// cluster), reads the ConfigMap and Service from the kube-apiserver through @kubernetes/client-node, and the
// kube-apiserver's MutatingAdmissionWebhook plugin calls it over HTTPS for pod CREATE through the
// MutatingWebhookConfiguration rendered by webhook/manifests.ts. The resulting pods are read back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMutatingWebhookAdmission } from '../../sim/apiserver/admission/mutatingWebhookAdmission.ts';
import { RestClient, KubeApiError } from '../../sim/kube/restClient.ts';
import { systemPodIp } from '../../scripts/cluster/addresses.ts';
import { startWorkerComponent } from '../../sim/runtime/startComponent.ts';
import type { HandleOf } from '../../sim/runtime/component.ts';
import { generateWebhookCertificates, serviceDnsNames } from '../../webhook/certs.ts';
import { DEFAULT_OBJECT_NAME } from '../../webhook/constants.ts';
import { renderManifests } from '../../webhook/manifests.ts';
import webhookPod, { type WebhookPodConfig } from '../../sim/webhookPod.ts';
import { ADMIN_TOKEN, startTestControlPlane, type TestControlPlane } from '../helpers/controlPlane.ts';
import { pod, projectedKubeconfigVolume } from '../../scripts/webhookRig/pods.ts';

const WEBHOOK_TOKEN = 'grm-webhook-token';
const SHOOT = 'shoot--local--hot';
const ISTIO = 'istio-ingress';
const PUBLIC_HOST = 'api.hot.local.internal.local.gardener.cloud';
const LABEL = 'networking.resources.gardener.cloud/to-istio-ingress-istio-ingressgateway-internal-tcp-9443';
const WEBHOOK = 'pod-kube-apiserver-load-balancing.resources.gardener.cloud';

let cp: TestControlPlane;
let webhook: HandleOf<typeof webhookPod>;
let admin: RestClient;
let webhookUrl = '';

beforeAll(async () => {
  cp = await startTestControlPlane(
    {
      tokens: {
        [ADMIN_TOKEN]: { user: 'system:admin', groups: ['system:masters'] },
        [WEBHOOK_TOKEN]: { user: 'system:serviceaccount:garden:gardener-resource-manager', groups: ['system:serviceaccounts'] },
      },
    },
    1,
    {
      admitFactory: (store) =>
        createMutatingWebhookAdmission({
          listWebhookConfigurations: () => store.list('mutatingwebhookconfigurations'),
          getNamespace: (name) => store.get('namespaces', '', name),
          resolveServiceUrl: ({ namespace, name, path }) => (namespace === 'garden' && name === DEFAULT_OBJECT_NAME ? `${webhookUrl}${path ?? ''}` : undefined),
        }),
    },
  );
  const webhookIp = systemPodIp(cp.addresses, 2);
  const certs = await generateWebhookCertificates({ dnsNames: serviceDnsNames(DEFAULT_OBJECT_NAME, 'garden'), ipAddresses: [webhookIp] });
  webhook = await startWorkerComponent(webhookPod, {
    name: 'webhook',
    config: {
      host: webhookIp,
      port: 0,
      tls: certs,
      caPem: certs.caPem,
      kube: { server: cp.urls[0]!, caPem: cp.pki.authorities.ca.certPem, token: WEBHOOK_TOKEN },
      logLevel: 'silent',
    } satisfies WebhookPodConfig,
  });
  webhookUrl = webhook.info.url;
  admin = new RestClient({ server: cp.urls[0]!, caPem: cp.pki.authorities.ca.certPem, token: ADMIN_TOKEN });
  const ns = (name: string, labels: Record<string, string>) =>
    admin.apply('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  await ns(SHOOT, { 'gardener.cloud/role': 'shoot' });
  await ns('not-a-shoot', {});
  await ns(ISTIO, { 'gardener.cloud/role': 'istio-ingress' });
  await admin.apply(`/api/v1/namespaces/${ISTIO}/services`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'istio-ingressgateway-internal', namespace: ISTIO },
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.2.15.178',
      clusterIPs: ['10.2.15.178', 'fd00:10:2::b2'],
      ipFamilies: ['IPv4', 'IPv6'],
      ipFamilyPolicy: 'PreferDualStack',
      ports: [{ name: 'tcp', port: 443, targetPort: 9443, protocol: 'TCP' }],
    },
  });
  await admin.apply(`/api/v1/namespaces/${SHOOT}/configmaps`, configMap(PUBLIC_HOST));
  // The webhook configuration exactly as `webhook manifests` renders it, with the worker's caBundle.
  const mwc = renderManifests({ namespace: 'garden', image: 'unused', caBundle: webhook.info.caBundle! }).find(
    (o) => o.kind === 'MutatingWebhookConfiguration',
  )!;
  await admin.apply('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', mwc);
});
afterAll(async () => {
  admin?.close();
  await webhook?.close();
  await cp?.close();
});

function configMap(hosts: string) {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'istio-internal-load-balancing', namespace: SHOOT },
    data: { hosts, 'istio-namespace': ISTIO },
  };
}

let podCount = 0;
async function createPod(namespace: string, volumes: unknown[], labels: Record<string, string> = {}) {
  const subject = pod({ name: `client-${podCount++}`, namespace, volumes, labels });
  return admin.call<any>('POST', `/api/v1/namespaces/${namespace}/pods`, subject);
}

describe('the webhook admitting pods of the simulated kube-apiserver', () => {
  it('mutates a pod with the generic kubeconfig: one hostAlias per clusterIP and the network-policy label, as stored', async () => {
    const created = await createPod(SHOOT, [projectedKubeconfigVolume('generic-token-kubeconfig-6f3a9c1e')], { app: 'kube-controller-manager' });
    const stored = await admin.call<any>('GET', `/api/v1/namespaces/${SHOOT}/pods/${created.metadata.name}`);
    expect(stored.spec.hostAliases).toEqual([
      { ip: '10.2.15.178', hostnames: [PUBLIC_HOST] },
      { ip: 'fd00:10:2::b2', hostnames: [PUBLIC_HOST] },
    ]);
    expect(stored.metadata.labels).toEqual({ app: 'kube-controller-manager', [LABEL]: 'allowed' });
  });

  it('leaves other pods, and pods in namespaces the selector does not match, unchanged', async () => {
    const plain = await createPod(SHOOT, [{ name: 'data', emptyDir: {} }]);
    expect(plain.spec.hostAliases).toBeUndefined();
    const elsewhere = await createPod('not-a-shoot', [projectedKubeconfigVolume()]);
    expect(elsewhere.spec.hostAliases).toBeUndefined();
    expect(elsewhere.metadata.labels ?? {}).not.toHaveProperty(LABEL);
  });

  it("empty hosts: the pod is rejected with 403 and Gardener's message", async () => {
    await admin.apply(`/api/v1/namespaces/${SHOOT}/configmaps`, configMap(''));
    try {
      const error = await createPod(SHOOT, [projectedKubeconfigVolume()]).catch((e) => e);
      expect(error).toBeInstanceOf(KubeApiError);
      expect(error.statusCode).toBe(403);
      expect(error.status.message).toBe(
        `admission webhook "${WEBHOOK}" denied the request: "hosts" key in configmap "${SHOOT}/istio-internal-load-balancing" provides an empty value`,
      );
    } finally {
      await admin.apply(`/api/v1/namespaces/${SHOOT}/configmaps`, configMap(PUBLIC_HOST));
    }
  });

  it("missing internal Service: rejected with 404 and the message of Gardener's integration test", async () => {
    const service = await admin.call<any>('GET', `/api/v1/namespaces/${ISTIO}/services/istio-ingressgateway-internal`);
    await admin.call('DELETE', `/api/v1/namespaces/${ISTIO}/services/istio-ingressgateway-internal`);
    try {
      const error = await createPod(SHOOT, [projectedKubeconfigVolume()]).catch((e) => e);
      expect(error.statusCode).toBe(404);
      expect(error.status.message).toBe(`admission webhook "${WEBHOOK}" denied the request: services "istio-ingressgateway-internal" not found`);
    } finally {
      delete service.metadata.resourceVersion;
      delete service.metadata.uid;
      await admin.apply(`/api/v1/namespaces/${ISTIO}/services`, service);
    }
  });

  it('no ConfigMap (L7 inactive): the pod is created unchanged', async () => {
    await admin.call('DELETE', `/api/v1/namespaces/${SHOOT}/configmaps/istio-internal-load-balancing`);
    try {
      const created = await createPod(SHOOT, [projectedKubeconfigVolume()]);
      expect(created.spec.hostAliases).toBeUndefined();
    } finally {
      await admin.apply(`/api/v1/namespaces/${SHOOT}/configmaps`, configMap(PUBLIC_HOST));
    }
  });

  it('reads reuse kept-alive connections; the worker reports its memory', async () => {
    const stats = await webhook.remote.readerStats();
    // 2 (mutated) + 1 (empty hosts) + 2 (no Service) + 1 (no ConfigMap); no cache in this configuration.
    expect(stats.reads).toBe(6);
    expect(stats.sockets).toBeLessThanOrEqual(2);
    const memory = await webhook.remote.memory();
    expect(memory.heapUsedBytes).toBeGreaterThan(0);
    expect(await webhook.remote.gc()).toBe(true);
  });

  it('failurePolicy Fail: with the webhook down, pod creation is rejected', async () => {
    await webhook.close();
    const error = await createPod(SHOOT, [projectedKubeconfigVolume()]).catch((e) => e);
    expect(error.statusCode).toBe(500);
    expect(error.status.message).toMatch(new RegExp(`Internal error occurred: failed calling webhook "${WEBHOOK.replace(/\./g, '\\.')}"`));
  });
});
