// Client-certificate pods (docs/load-client.md#client-certificate-pods): the plan's certificate of an `auth:
// client-certificate` group is a kubernetes.io/tls Secret among the seed objects, the group's pods project its
// tls.crt and tls.key in place of the shoot-access token, and the real targets bind the certificate's user.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clientPodObject } from '../../scripts/cluster/clientPod.ts';
import { clientCertificateSecretName, shootAccessSecretName } from '../../scripts/cluster/gardener.ts';
import { issuePlan } from '../../scripts/cluster/issuedPlan.ts';
import { MODES } from '../../scripts/cluster/modes.ts';
import { planCluster } from '../../scripts/cluster/plan.ts';
import { shootBootstrapObjects } from '../../scripts/targets/kind/manifests/controlPlane.ts';
import { Scenario } from '../../scenarios/schema.ts';

const scenario = Scenario.parse({
  name: 't',
  clients: [
    { name: 'cert-controller', rate: 1, auth: 'client-certificate' },
    { name: 'token-controller', rate: 1 },
  ],
});
const plan = planCluster(scenario.topology, MODES.l7, 5, { clientGroups: scenario.clients });

describe('client-certificate pods', () => {
  it("puts each certificate group's client certificate in a kubernetes.io/tls Secret, and none for token groups", async () => {
    const { seedObjects } = await issuePlan(plan);
    const secrets = seedObjects.filter((o) => o.object.kind === 'Secret' && o.object.metadata.name.startsWith('client-certificate-'));
    expect(secrets.map((o) => o.id)).toEqual([`secret/${clientCertificateSecretName('cert-controller')}`]);
    const secret = secrets[0]!.object as unknown as { type: string; data: Record<string, string> };
    expect(secret.type).toBe('kubernetes.io/tls');
    const certificate = new X509Certificate(Buffer.from(secret.data['tls.crt']!, 'base64').toString());
    expect(certificate.subject).toContain('CN=client:cert-controller');
    expect(Buffer.from(secret.data['tls.key']!, 'base64').toString()).toMatch(/^-----BEGIN (EC )?PRIVATE KEY-----/);
  });

  it("projects the Secret's tls.crt and tls.key in place of the token", () => {
    const sources = (pod: ReturnType<typeof clientPodObject>) =>
      (pod.spec.volumes![0] as { projected: { sources: { secret: { name: string; items: { key: string }[] } }[] } }).projected.sources.map((s) => [
        s.secret.name,
        s.secret.items.map((i) => i.key),
      ]);
    const base = {
      name: 'p',
      namespace: plan.namespace,
      app: 'cert-controller',
      genericKubeconfigSecret: 'generic',
      accessSecret: shootAccessSecretName('cert-controller'),
    };
    expect(sources(clientPodObject({ ...base, clientCertificateSecret: clientCertificateSecretName('cert-controller') }))).toEqual([
      ['generic', ['kubeconfig']],
      ['client-certificate-cert-controller', ['tls.crt', 'tls.key']],
    ]);
    expect(sources(clientPodObject(base))).toEqual([
      ['generic', ['kubeconfig']],
      ['shoot-access-cert-controller', ['token']],
    ]);
  });

  it("binds the certificate's user to the load clients' role, next to the token users", () => {
    const binding = shootBootstrapObjects(plan).find((o) => o.kind === 'ClusterRoleBinding') as unknown as { subjects: { name: string }[] };
    expect(binding.subjects.map((s) => s.name)).toEqual([
      'system:serviceaccount:kube-system:cert-controller',
      'system:serviceaccount:kube-system:token-controller',
      'client:cert-controller',
    ]);
  });
});
