// How the binary target brings a plan up (docs/binary-target.md#start-up), in the order a real seed has it: the
// node's network, the seed's etcd and kube-apiserver, kube-proxy, the seed objects, the webhook (registered only once
// it serves), the shoot's etcd and kube-apiserver replicas, the shoot's own objects (RBAC, API Priority and Fairness,
// with kubectl), and the gateway pods with the ready replicas as their endpoints. Whatever fails half-way, everything
// made so far is removed before the error is passed on.
import path from 'node:path';
import { requireBinary } from '../../binaries/locate.ts';
import {
  IN_CLUSTER_API_HOST,
  KUBE_APISERVER_PORT,
  KUBE_APISERVER_SERVICE_NAME,
  GATEWAY_INTERNAL_SERVICE_NAME,
  WEBHOOK_CONFIGURATION_NAME,
} from '../../cluster/gardener.ts';
import { planCluster, type ClusterPlan } from '../../cluster/plan.ts';
import { buildSeedObjects } from '../../cluster/seedObjects.ts';
import { kindImageUsers } from '../kind/imageUsers.ts';
import { renderContexts, type RenderContext } from '../kind/manifests/common.ts';
import { shootBootstrapObjects } from '../kind/manifests/controlPlane.ts';
import { resolveKindOptions, type ResolvedKindOptions } from '../kind/options.ts';
import type { KubeManifest } from '../kind/steps.ts';
import { BinaryClientPods, sequentialPodIps } from './clientPods.ts';
import { renderGatewayObjects } from './envoy/istioObjects.ts';
import { BinaryGateway } from './gatewayPods.ts';
import { imageExecutable } from './images.ts';
import { kubectlFor, type Kubectl } from './kubectl.ts';
import { waitForServiceRules } from './network/iptablesRules.ts';
import { startKubeProxy, type KubeProxy } from './network/kubeProxyProcess.ts';
import { NetworkRun } from './network/networkRun.ts';
import { PodRuntime } from './podRuntime.ts';
import { startSeedControlPlane, type SeedControlPlane } from './seedControlPlane.ts';
import { BinaryShootControlPlane } from './shootControlPlane.ts';
import { createNeighbourObjects, startNeighbours, type BinaryNeighbour } from './neighbourPlanes.ts';
import { BinaryWebhook } from './webhookPod.ts';

/** The binary target's plan: the cluster in 198.18.0.0/16, its Service VIPs in 198.19.0.0/16, real ports. */
export function planForBinary(plan: ClusterPlan): ClusterPlan {
  return planCluster(plan.topology, plan.mode, plan.randomSeed, { ...plan.options, addressPrefix: '198.18', servicePrefix: '198.19', privilegedPortOffset: 0 });
}

export interface BootedCluster {
  plan: ClusterPlan;
  ctx: RenderContext;
  kindOptions: ResolvedKindOptions;
  network: NetworkRun;
  seed: SeedControlPlane;
  seedKubectl: Kubectl;
  kubeProxy: KubeProxy;
  runtime: PodRuntime;
  webhook: BinaryWebhook;
  shoot: BinaryShootControlPlane;
  gateway: BinaryGateway | undefined;
  clientPods: BinaryClientPods;
  /** The other shoots' control planes on the seed (topology.neighbours), behind the same gateway pods. */
  neighbours: BinaryNeighbour[];
  /** The seed objects as this run created them (recreate-seed-object puts one back). */
  seedObjects: { id: string; object: KubeManifest }[];
  close(): Promise<void>;
}

export async function bootCluster(requested: ClusterPlan, log: (line: string) => void): Promise<BootedCluster> {
  const plan = planForBinary(requested);
  const kindOptions = resolveKindOptions({ target: 'kind' });
  const [ctx, ...neighbourContexts] = await renderContexts(plan, kindOptions);
  const network = await NetworkRun.create();
  const closers: (() => Promise<unknown> | unknown)[] = [() => network.close()];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await Promise.resolve(closer()).catch((error: Error) => log(`cleanup: ${error.message}`));
  };
  try {
    return await bootInto(plan, ctx!, neighbourContexts, kindOptions, network, closers, close, log);
  } catch (error) {
    await close();
    throw error;
  }
}

async function bootInto(
  plan: ClusterPlan,
  ctx: RenderContext,
  neighbourContexts: RenderContext[],
  kindOptions: ResolvedKindOptions,
  network: NetworkRun,
  closers: (() => Promise<unknown> | unknown)[],
  close: () => Promise<void>,
  log: (line: string) => void,
): Promise<BootedCluster> {
  const seedCa = ctx.pems.authority('seed-ca');
  await network.node.addAddress(plan.seedApiserver.ip);
  const seed = await startSeedControlPlane({
    plan,
    pems: ctx.pems,
    dir: path.join(network.dir, 'seed'),
    binaries: { etcd: requireBinary('etcd'), kubeApiserver: requireBinary('kube-apiserver') },
    enterNode: network.node.enter,
    connect: network.tunnel.connectInto,
  });
  closers.push(() => seed.close());
  network.adopt(seed.apiserver.process);
  network.adopt(seed.etcd.process);
  log(`seed kube-apiserver ready at ${plan.seedApiserver.ip}:${plan.seedApiserver.port}`);
  const seedKubectl = await kubectlFor(
    network,
    { ip: plan.seedApiserver.ip, port: plan.seedApiserver.port, caPem: seedCa, serverName: IN_CLUSTER_API_HOST, token: plan.tokens.seedAdmin },
    'seed',
  );
  closers.push(() => seedKubectl.close());
  const kubeProxy = await startKubeProxy({
    network,
    binary: requireBinary('kube-proxy'),
    seed: { server: `https://${plan.seedApiserver.ip}:${plan.seedApiserver.port}`, caPem: seedCa, token: plan.tokens.seedAdmin },
    createNode: async (node) => void (await seed.admin.request('POST', '/api/v1/nodes', node)),
  });
  closers.push(() => kubeProxy.stop());
  const runtime = new PodRuntime(network, seed.admin, imageExecutable(kindOptions), kindImageUsers(kindOptions));
  closers.push(() => runtime.close());

  // The seed objects, the webhook registration last (it must not admit objects half set up).
  const seedObjects = buildSeedObjects(plan, ctx.pems).map((s) => ({ id: s.id, object: s.object as KubeManifest }));
  const registration = seedObjects.filter((s) => s.id === `mutatingwebhookconfiguration/${WEBHOOK_CONFIGURATION_NAME}`);
  await seedKubectl.apply(
    seedObjects.filter((s) => !registration.includes(s)).map((s) => s.object),
    'seed-objects',
  );
  runtime.addServiceDns(plan.namespace, KUBE_APISERVER_SERVICE_NAME, plan.services.kubeApiserver.clusterIP);
  runtime.addServiceDns(plan.istioNamespace, GATEWAY_INTERNAL_SERVICE_NAME, plan.services.gatewayInternal.clusterIP);
  const nextPodIp = sequentialPodIps(plan);
  const neighbourOptions = { contexts: neighbourContexts, runtime, seedKubectl, kindOptions, nextPodIp, closers };
  await createNeighbourObjects(neighbourOptions);
  const webhook = new BinaryWebhook(ctx, runtime, {
    token: plan.tokens.webhook,
    caPem: seedCa,
    kubernetesService: { host: `${plan.addresses.servicePrefix}.0.1`, port: KUBE_APISERVER_PORT },
  });
  closers.push(() => webhook.close());
  await webhook.install(seedKubectl);
  await seedKubectl.apply(
    registration.map((s) => s.object),
    'webhook-registration',
  );
  log('webhook serving and registered');

  const shoot = new BinaryShootControlPlane(ctx, runtime, 0);
  closers.push(() => shoot.close());
  await shoot.start();
  log(`${plan.replicas.length} kube-apiserver replicas ready`);
  const shootKubectl = await kubectlFor(
    network,
    {
      ip: plan.replicas[0]!.ip,
      port: KUBE_APISERVER_PORT,
      caPem: ctx.pems.authority('ca'),
      serverName: KUBE_APISERVER_SERVICE_NAME,
      token: plan.tokens.shootAdmin,
    },
    'shoot',
  );
  await shootKubectl.apply(shootBootstrapObjects(plan), 'shoot-bootstrap');
  await shootKubectl.close();
  const neighbours = await startNeighbours(neighbourOptions);
  if (neighbours.length > 0)
    log(`${neighbours.length} neighbour control planes ready (${neighbours.reduce((n, x) => n + x.ctx.plan.replicas.length, 0)} kube-apiserver replicas)`);

  const gateway = plan.gatewayPods.length > 0 ? await startGateway(plan, [{ ctx, shoot }, ...neighbours], runtime, closers) : undefined;
  if (gateway) log(`${plan.gatewayPods.length} gateway pods (Envoy) ready`);
  // kube-proxy follows the EndpointSlices within a fraction of a second; the first load waits for it.
  for (const s of [shoot, ...neighbours.map((n) => n.shoot)])
    await waitForServiceRules(
      network.node.name,
      `${s.namespace}/${KUBE_APISERVER_SERVICE_NAME}:${KUBE_APISERVER_SERVICE_NAME}`,
      s.readyEndpoints().map((e) => `${e.ip}:${e.port}`),
    );
  const clientPods = new BinaryClientPods(plan, runtime, kindOptions, plan.genericKubeconfig, ctx.pems.authority('ca'), nextPodIp);
  closers.push(() => clientPods.close());
  return { plan, ctx, kindOptions, network, seed, seedKubectl, kubeProxy, runtime, webhook, shoot, gateway, clientPods, neighbours, seedObjects, close };
}

/**
 * The gateway pods, configured from every control plane's Istio objects (one server per public host), each control
 * plane's clusters fed with its ready replicas, and kube-proxy's rules for the gateway Service in place.
 */
async function startGateway(
  plan: ClusterPlan,
  planes: { ctx: RenderContext; shoot: BinaryShootControlPlane }[],
  runtime: PodRuntime,
  closers: (() => Promise<unknown> | unknown)[],
): Promise<BinaryGateway> {
  const gateway = new BinaryGateway(plan, renderGatewayObjects(planes.map((p) => ({ plan: p.ctx.plan, pems: p.ctx.pems }))), runtime);
  closers.push(() => gateway.close());
  await gateway.start();
  for (const { shoot } of planes) {
    await gateway.setReplicas(shoot.namespace, shoot.readyEndpoints());
    shoot.onEndpointsChanged = (endpoints) => gateway.setReplicas(shoot.namespace, endpoints);
  }
  await waitForServiceRules(
    runtime.network.node.name,
    `${plan.istioNamespace}/${GATEWAY_INTERNAL_SERVICE_NAME}:tcp`,
    plan.gatewayPods.map((p) => `${p.ip}:${p.port}`),
  );
  return gateway;
}
