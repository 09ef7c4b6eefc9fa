// The other shoots' control planes on the same seed (docs/binary-target.md#neighbours, docs/scenarios.md#shared-gateway):
// a scenario's `topology.neighbours` run here as they run on a seed, each a namespace of the seed with its own objects
// (kube-apiserver Service, ConfigMap, generic kubeconfig, shoot-access secrets), its own etcd and kube-apiserver
// replicas with their own certificates (the kind target's Deployments, from the neighbour's render context), its own
// RBAC and API Priority and Fairness objects, and its own client pods; all behind the same gateway pods and the same
// kube-proxy. Control planes start two at a time: a kube-apiserver's start is CPU-bound, and a dozen at once on two
// cores would miss their readiness deadlines.
import { KUBE_APISERVER_PORT, KUBE_APISERVER_SERVICE_NAME } from '../../cluster/gardener.ts';
import { buildSeedObjects } from '../../cluster/seedObjects.ts';
import type { RenderContext } from '../kind/manifests/common.ts';
import { shootBootstrapObjects } from '../kind/manifests/controlPlane.ts';
import { mapLimited } from '../kind/mapLimited.ts';
import type { ResolvedKindOptions } from '../kind/options.ts';
import type { KubeManifest } from '../kind/steps.ts';
import { BinaryClientPods } from './clientPods.ts';
import { kubectlFor, type Kubectl } from './kubectl.ts';
import type { PodRuntime } from './podRuntime.ts';
import { BinaryShootControlPlane } from './shootControlPlane.ts';

/** Control planes started at once. */
const START_CONCURRENCY = 2;

export interface BinaryNeighbour {
  ctx: RenderContext;
  shoot: BinaryShootControlPlane;
  clientPods: BinaryClientPods;
}

export interface NeighbourOptions {
  contexts: RenderContext[];
  runtime: PodRuntime;
  seedKubectl: Kubectl;
  kindOptions: ResolvedKindOptions;
  nextPodIp: () => string;
  /** Where each part's clean-up goes, as soon as it exists. */
  closers: (() => Promise<unknown> | unknown)[];
}

/** Each neighbour's seed objects (its namespace first) and its Service's name in the pods' DNS. */
export async function createNeighbourObjects(o: NeighbourOptions): Promise<void> {
  for (const ctx of o.contexts) {
    const objects = buildSeedObjects(ctx.plan, ctx.pems).map((s) => s.object as KubeManifest);
    await o.seedKubectl.apply(objects, `seed-objects-${ctx.plan.neighbour!.name}`);
    o.runtime.addServiceDns(ctx.plan.namespace, KUBE_APISERVER_SERVICE_NAME, ctx.plan.services.kubeApiserver.clusterIP);
  }
}

/** Starts every neighbour's etcd and replicas, then its own objects, two control planes at a time. */
export async function startNeighbours(o: NeighbourOptions): Promise<BinaryNeighbour[]> {
  const neighbours = o.contexts.map((ctx) => ({
    ctx,
    shoot: new BinaryShootControlPlane(ctx, o.runtime, ctx.plan.neighbour!.slot),
    clientPods: new BinaryClientPods(ctx.plan, o.runtime, o.kindOptions, ctx.plan.genericKubeconfig, ctx.pems.authority('ca'), o.nextPodIp),
  }));
  for (const n of neighbours)
    o.closers.push(
      () => n.shoot.close(),
      () => n.clientPods.close(),
    );
  await mapLimited(neighbours, START_CONCURRENCY, async (n) => {
    await n.shoot.start();
    const plan = n.ctx.plan;
    const kubectl = await kubectlFor(
      o.runtime.network,
      {
        ip: plan.replicas[0]!.ip,
        port: KUBE_APISERVER_PORT,
        caPem: n.ctx.pems.authority('ca'),
        serverName: KUBE_APISERVER_SERVICE_NAME,
        token: plan.tokens.shootAdmin,
      },
      `shoot-${plan.neighbour!.name}`,
    );
    try {
      await kubectl.apply(shootBootstrapObjects(plan), `shoot-bootstrap-${plan.neighbour!.name}`);
    } finally {
      await kubectl.close();
    }
  });
  return neighbours;
}
