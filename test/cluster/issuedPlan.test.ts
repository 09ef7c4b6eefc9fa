// The plan holds no PEMs; issuePlan turns it into the real one in one call, issuing the seed's certificates once and
// each control plane's own; placeholderPlan names its placeholders (docs/architecture.md#the-plan).
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { issuePlan, placeholderPlan } from '../../scripts/cluster/issuedPlan.ts';
import { MODES } from '../../scripts/cluster/modes.ts';
import { planCluster } from '../../scripts/cluster/plan.ts';
import { Scenario } from '../../scenarios/schema.ts';

const scenario = Scenario.parse({
  name: 't',
  topology: { neighbours: [{ name: 'a' }, { name: 'b' }] },
  clients: [
    { name: 'x', rate: 1 },
    { name: 'y', rate: 1, controlPlane: 'b', auth: 'client-certificate' },
  ],
});
const plan = planCluster(scenario.topology, MODES.l7, 3, { clientGroups: scenario.clients });
const SEED_WIDE = ['seed-ca', 'webhook-ca', 'seed-kube-apiserver', 'webhook-serving'];

describe('the plan', () => {
  it('holds no PEM-bearing copies: no components, no seed objects, nothing PEM-shaped', () => {
    expect(plan).not.toHaveProperty('components');
    expect(plan).not.toHaveProperty('seedObjects');
    expect(JSON.stringify(plan)).not.toContain('-----BEGIN');
  });

  it("names the seed's certificates in the plan under test only; each neighbour names its own control plane's", () => {
    const ids = (p: typeof plan) => [...p.certificates.authorities.map((a) => a.id), ...p.certificates.certificates.map((c) => c.id)];
    expect(ids(plan)).toEqual(expect.arrayContaining(SEED_WIDE));
    for (const n of plan.neighbours) {
      expect(ids(n).filter((id) => SEED_WIDE.includes(id))).toEqual([]);
      expect(ids(n)).toEqual(expect.arrayContaining(['ca', 'ca-front-proxy', 'ca-client', 'kube-apiserver', 'istio-gateway-client']));
    }
    expect(ids(plan.neighbours[1]!)).toContain('client-group:y');
  });
});

describe('placeholderPlan', () => {
  it('says in every PEM that it is a placeholder, and builds the same objects as the real plan', async () => {
    const placeholders = placeholderPlan(plan);
    expect(placeholders.placeholders).toBe(true);
    expect(placeholders.components.gateways[0]!.controlPlanes[2]!.servingTls.certPem).toMatch(
      /<certificate of kube-apiserver: issued when a target starts the plan>/,
    );
    const real = await issuePlan(plan);
    expect(real.placeholders).toBe(false);
    expect(real.seedObjects.map((o) => o.id)).toEqual(placeholders.seedObjects.map((o) => o.id));
    expect(JSON.stringify(real.components)).not.toContain('issued when a target starts the plan');
  });
});

describe('issuePlan', () => {
  it("issues the seed's CA once and every control plane its own CAs; a neighbour's objects are its namespace's only", async () => {
    const real = await issuePlan(plan);
    const seedCa = real.certificates.authorities['seed-ca'].certPem;
    expect(real.components.webhook.kube.caPem).toBe(seedCa);
    for (const [i, n] of real.neighbours.entries()) {
      expect(real.neighbourCertificates[i]!.authorities).not.toHaveProperty('seed-ca');
      expect(() => n.pems.authority('webhook-ca')).toThrow(/no certificate authority "webhook-ca" was issued for this plan/);
      expect(n.seedObjects.every((o) => o.object.metadata.namespace === n.plan.namespace || o.object.metadata.name === n.plan.namespace)).toBe(true);
      expect(n.apiserver.replicas).toEqual(n.plan.replicas);
    }
    const cas = [real.certificates, ...real.neighbourCertificates].map((c) => c.authorities.ca.certPem);
    expect(new Set(cas).size).toBe(3);
    // Each gateway server presents its own control plane's serving certificate, issued by that control plane's CA.
    const servers = real.components.gateways[0]!.controlPlanes;
    servers.forEach((server, i) => {
      const cert = new X509Certificate(server.servingTls.certPem);
      expect(cert.checkIssued(new X509Certificate(cas[i]!))).toBe(true);
      expect(cert.subjectAltName).toContain(`DNS:${[plan, ...plan.neighbours][i]!.publicHost}`);
    });
    expect(real.seedObjects.filter((o) => o.object.kind === 'MutatingWebhookConfiguration')).toHaveLength(1);
  });
});
