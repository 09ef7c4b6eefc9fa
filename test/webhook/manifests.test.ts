// The deployment manifests: validated offline with kubernetes-models, and pinned to Gardener's webhook settings
// (docs/gardener.md#mutatingwebhookconfiguration) and least-privilege RBAC.
import { X509Certificate } from 'node:crypto';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { MutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookCertificates, normalizeCaBundle, serviceDnsNames, type WebhookCertificates } from '../../webhook/certs.ts';
import { manifestsToYaml, renderManifests, type KubeObject } from '../../webhook/manifests.ts';

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  ServiceAccount,
  ClusterRole,
  ClusterRoleBinding,
  Secret,
  Service,
  Deployment,
  PodDisruptionBudget,
  MutatingWebhookConfiguration,
};

let certs: WebhookCertificates;
beforeAll(async () => {
  certs = await generateWebhookCertificates({ dnsNames: serviceDnsNames('pod-kube-apiserver-load-balancing', 'garden') });
});

const find = (objects: KubeObject[], kind: string) => objects.find((o) => o.kind === kind) as any;

describe('renderManifests', () => {
  it('every object validates with kubernetes-models (also after a YAML round trip)', () => {
    const objects = renderManifests({ namespace: 'garden', image: 'localhost/pod-kube-apiserver-load-balancing:dev', caBundle: certs.caBundle, tls: certs });
    expect(objects.map((o) => o.kind)).toEqual([
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Secret',
      'Service',
      'Deployment',
      'PodDisruptionBudget',
      'MutatingWebhookConfiguration',
    ]);
    const reparsed = parseAllDocuments(manifestsToYaml(objects)).map((d) => d.toJS());
    expect(reparsed).toEqual(objects);
    for (const object of reparsed) {
      const Model = MODELS[object.kind]!;
      expect(() => new Model(object).validate(), object.kind).not.toThrow();
    }
  });

  it('validation is not vacuous: a broken webhook configuration is caught', () => {
    const mwc = find(renderManifests({ namespace: 'garden', image: 'i', caBundle: certs.caBundle }), 'MutatingWebhookConfiguration');
    delete mwc.webhooks[0].sideEffects;
    expect(() => new MutatingWebhookConfiguration(mwc).validate()).toThrow(/sideEffects/);
  });

  it("the MutatingWebhookConfiguration has Gardener's settings (docs/gardener.md)", () => {
    const mwc = find(renderManifests({ namespace: 'garden', image: 'i', caBundle: certs.caPem }), 'MutatingWebhookConfiguration');
    expect(mwc.webhooks).toHaveLength(1);
    const webhook = mwc.webhooks[0];
    expect(webhook).toEqual({
      name: 'pod-kube-apiserver-load-balancing.resources.gardener.cloud',
      admissionReviewVersions: ['v1beta1', 'v1'],
      clientConfig: {
        service: { name: 'pod-kube-apiserver-load-balancing', namespace: 'garden', path: '/webhooks/pod-kube-apiserver-load-balancing', port: 443 },
        caBundle: certs.caBundle,
      },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], operations: ['CREATE'] }],
      namespaceSelector: { matchLabels: { 'gardener.cloud/role': 'shoot' } },
      objectSelector: { matchExpressions: [{ key: 'static-pod', operator: 'NotIn', values: ['true'] }] },
      failurePolicy: 'Fail',
      matchPolicy: 'Exact',
      sideEffects: 'None',
      timeoutSeconds: 10,
    });
    expect(webhook.reinvocationPolicy).toBeUndefined();
    // caBundle given as PEM is normalised to base64 of the PEM, which decodes to the CA certificate.
    expect(new X509Certificate(Buffer.from(webhook.clientConfig.caBundle, 'base64')).subject).toMatch(/webhook CA/);
  });

  it('RBAC: get only, on exactly the ConfigMap and the Service the handler reads', () => {
    const objects = renderManifests({ namespace: 'garden', image: 'i', caBundle: certs.caBundle });
    expect(find(objects, 'ClusterRole').rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['istio-internal-load-balancing'], verbs: ['get'] },
      { apiGroups: [''], resources: ['services'], resourceNames: ['istio-ingressgateway-internal'], verbs: ['get'] },
    ]);
    expect(find(objects, 'ClusterRoleBinding').subjects).toEqual([{ kind: 'ServiceAccount', name: 'pod-kube-apiserver-load-balancing', namespace: 'garden' }]);
  });

  it('the Deployment serves on the pod IP with in-cluster config, HTTPS probes and a read-only root', () => {
    const objects = renderManifests({ namespace: 'garden', image: 'img:1', caBundle: certs.caBundle, replicas: 3, port: 9443, cacheTtlMs: 1000 });
    const deployment = find(objects, 'Deployment');
    expect(deployment.spec.replicas).toBe(3);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.args).toEqual([
      'serve',
      '--in-cluster',
      '--host=$(POD_IP)',
      '--port=9443',
      expect.stringMatching(/^--tls-cert=.*tls\.crt$/),
      expect.stringMatching(/^--tls-key=.*tls\.key$/),
      '--cache-ttl=1000',
      '--log-level=info',
      '--shutdown-delay=5000',
    ]);
    expect(container.env).toEqual([{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }]);
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 9443, scheme: 'HTTPS' });
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(find(objects, 'Service').spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 9443, protocol: 'TCP' }]);
    expect(find(objects, 'Secret')).toBeUndefined();
    expect(deployment.spec.template.spec.volumes[0].secret.secretName).toBe('pod-kube-apiserver-load-balancing-tls');
  });

  it.each([
    [{ namespace: 'Garden' }, /namespace "Garden" is not a valid DNS label/],
    [{ image: '' }, /image must be a non-empty image reference/],
    [{ port: 80 }, /port must be an integer from 1024/],
    [{ replicas: 0 }, /replicas must be an integer from 1 to 10/],
    [{ caBundle: 'not base64!' }, /CA bundle must be base64/],
    [{ caBundle: Buffer.from('hello').toString('base64') }, /not a PEM certificate/],
  ])('rejects bad options %o', (override, message) => {
    expect(() => renderManifests({ namespace: 'garden', image: 'i', caBundle: certs.caBundle, ...override })).toThrow(message);
  });
});

describe('certificates', () => {
  it('the serving certificate is signed by the CA and carries the Service DNS names; caBundle is base64 of the CA PEM', async () => {
    const cert = new X509Certificate(certs.certPem);
    expect(cert.verify(new X509Certificate(certs.caPem).publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe(
      serviceDnsNames('pod-kube-apiserver-load-balancing', 'garden')
        .map((n) => `DNS:${n}`)
        .join(', '),
    );
    expect(Buffer.from(certs.caBundle, 'base64').toString()).toBe(certs.caPem);
    expect(normalizeCaBundle(certs.caBundle)).toBe(certs.caBundle);
  });

  it('rejects bad names and addresses', async () => {
    const { generateWebhookCertificates: generate } = await import('../../webhook/certs.ts');
    await expect(generate({ dnsNames: [] })).rejects.toThrow(/at least one DNS name or IP/);
    await expect(generate({ dnsNames: ['Bad_Name'] })).rejects.toThrow(/not a valid DNS name/);
    await expect(generate({ dnsNames: ['a.b'], ipAddresses: ['300.1.1.1'] })).rejects.toThrow(/not an IP address/);
    await expect(generate({ dnsNames: ['a.b'], validDays: 0 })).rejects.toThrow(/validDays/);
  });
});
