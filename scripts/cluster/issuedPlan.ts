// Turning a plan into the real one, in one call (docs/architecture.md#the-plan): `issuePlan(plan)` issues the
// certificates the plan names, the seed-wide ones once (the seed kube-apiserver's and the webhook's CAs, in the plan
// under test) and each control plane's own (its CAs, serving certificate and the gateway's front-proxy client
// certificate: per shoot in Gardener, secrets-manager in the shoot namespace, apiserverexposure/sni.go) in parallel,
// then builds every component config and seed object from them. `placeholderPlan(plan)` builds the same from PEMs
// that say which certificate goes there, so a plan can be printed and tested without issuing anything.
import type { ControlPlaneConfig } from '../../sim/apiserver/controlPlane.ts';
import { issueCertificates, issuedPems, PLACEHOLDER_PEMS, type IssuedCertificates, type PemSource } from './certificates.ts';
import { planComponents, shootApiserverConfig, type PlannedComponents } from './components.ts';
import type { ClusterPlan } from './plan.ts';
import { buildSeedObjects, type SeedObject } from './seedObjects.ts';

/** One control plane of the seed with its PEMs: the one under test, or a neighbour. */
export interface IssuedControlPlane {
  plan: ClusterPlan;
  pems: PemSource;
  /** Its shoot kube-apiserver's config. */
  apiserver: ControlPlaneConfig;
  /** Its seed objects in creation order (the plan under test's include the seed-wide ones, the registration last). */
  seedObjects: SeedObject[];
}

interface PlanWithPems {
  plan: ClusterPlan;
  /** True when the PEMs are placeholders (placeholderPlan): nothing here may be started. */
  placeholders: boolean;
  underTest: IssuedControlPlane;
  neighbours: IssuedControlPlane[];
  /** The seed-wide components and the shoot kube-apiserver under test. */
  components: PlannedComponents;
  /** Every control plane's seed objects in creation order: the plan under test's, then each neighbour's own. */
  seedObjects: SeedObject[];
}

export interface IssuedPlan extends PlanWithPems {
  placeholders: false;
  /** The issued keys and certificates (the plan under test's with the seed's, each neighbour's own). */
  certificates: IssuedCertificates;
  neighbourCertificates: IssuedCertificates[];
}

export interface PlaceholderPlan extends PlanWithPems {
  placeholders: true;
}

/** Issues every certificate of the plan (each once) and builds every config and seed object from them. */
export async function issuePlan(plan: ClusterPlan): Promise<IssuedPlan> {
  const [certificates, ...neighbourCertificates] = await Promise.all([plan, ...plan.neighbours].map((p) => issueCertificates(p.certificates)));
  return {
    ...withPems(plan, issuedPems(certificates!), neighbourCertificates.map(issuedPems)),
    placeholders: false,
    certificates: certificates!,
    neighbourCertificates,
  };
}

/** The same configs and objects with placeholder PEMs (named as such in every PEM), for printing and tests. */
export function placeholderPlan(plan: ClusterPlan): PlaceholderPlan {
  return {
    ...withPems(
      plan,
      PLACEHOLDER_PEMS,
      plan.neighbours.map(() => PLACEHOLDER_PEMS),
    ),
    placeholders: true,
  };
}

function withPems(plan: ClusterPlan, pems: PemSource, neighbourPems: PemSource[]): Omit<PlanWithPems, 'placeholders'> {
  const controlPlane = (p: ClusterPlan, source: PemSource): IssuedControlPlane => ({
    plan: p,
    pems: source,
    apiserver: shootApiserverConfig(p, source),
    seedObjects: buildSeedObjects(p, source),
  });
  const underTest = controlPlane(plan, pems);
  const neighbours = plan.neighbours.map((n, i) => controlPlane(n, neighbourPems[i]!));
  return {
    plan,
    underTest,
    neighbours,
    components: planComponents(plan, pems, neighbourPems),
    seedObjects: [underTest, ...neighbours].flatMap((c) => c.seedObjects),
  };
}
