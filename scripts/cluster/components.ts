// The typed config of every component of a planned seed, built from a plan and the PEMs of each of its control
// planes (docs/architecture.md#the-plan). The shoot kube-apiserver of each control plane, and the seed-wide parts
// started once: the seed kube-apiserver, kube-proxy (every control plane's Service), the gateway pods (one server per
// control plane, Gardener's Gateway/VirtualService/DestinationRule per shoot, apiserverexposure/sni.go) and the webhook.
// Pure: issuedPlan.ts calls it with issued certificates or with placeholders.
import type { CapacityConfig } from '../../sim/apiserver/capacity.ts';
import type { ControlPlaneConfig } from '../../sim/apiserver/controlPlane.ts';
import type { GatewayPodConfig } from '../../sim/gateway/gatewayPod.ts';
import type { KubeProxyConfig } from '../../sim/network/kubeProxy.ts';
import type { WebhookPodConfig } from '../../sim/webhookPod.ts';
import { Rng } from '../core/random.ts';
import type { Endpoint } from '../core/endpoint.ts';
import { IN_CLUSTER_API_HOST, type PemSource } from './certificates.ts';
import { GRM_NAME, GRM_NAMESPACE } from './gardener.ts';
import { tokenUser, type ClusterPlan, type Topology } from './plan.ts';

export interface PlannedComponents {
  shootApiserver: ControlPlaneConfig;
  seedApiserver: ControlPlaneConfig;
  kubeProxy: KubeProxyConfig;
  gateways: GatewayPodConfig[];
  webhook: WebhookPodConfig;
}

/**
 * The config of every seed-wide component and of the shoot kube-apiserver under test, with the plan's PEMs from `pems`
 * and each neighbour's from `neighbourPems` (same order as plan.neighbours).
 */
export function planComponents(plan: ClusterPlan, pems: PemSource, neighbourPems: PemSource[]): PlannedComponents {
  if (neighbourPems.length !== plan.neighbours.length)
    throw new Error(`planComponents: ${neighbourPems.length} neighbour PEM sources for ${plan.neighbours.length} neighbours`);
  const rng = new Rng(plan.randomSeed);
  return {
    shootApiserver: shootApiserverConfig(plan, pems),
    seedApiserver: {
      namespace: 'seed',
      replicas: [plan.seedApiserver],
      tls: pems.keyPair('seed-kube-apiserver'),
      tokens: {
        [plan.tokens.seedAdmin]: { user: 'system:admin', groups: ['system:masters'] },
        [plan.tokens.webhook]: { user: `system:serviceaccount:${GRM_NAMESPACE}:${GRM_NAME}`, groups: ['system:serviceaccounts'] },
      },
      randomSeed: rng.fork('seed-apiserver').seed,
      // The seed is not under test: it answers at once, with room for every client pod's creation.
      capacity: { ...capacityConfig(plan.topology), workers: 64, serviceTimeMs: { get: 0, list: 0, create: 0, update: 0, patch: 0, delete: 0, watchSetup: 0 } },
      goawayChance: 0,
      http2MaxStreamsPerConnection: 100,
    },
    kubeProxy: {
      mode: plan.topology.kubeProxy.mode,
      randomSeed: rng.fork('kube-proxy').seed,
      services: [plan.services.kubeApiserver, plan.services.gatewayInternal, ...plan.neighbours.map((n) => n.services.kubeApiserver)],
      pods: [],
    },
    gateways: plan.gatewayPods.map((pod, index) => gatewayPodConfig(plan, pems, pod, index, neighbourPems)),
    webhook: {
      host: plan.webhook.ip,
      port: plan.webhook.port,
      tls: pems.keyPair('webhook-serving'),
      kube: { server: `https://${plan.seedApiserver.ip}:${plan.seedApiserver.port}`, caPem: pems.authority('seed-ca'), token: plan.tokens.webhook },
      logLevel: 'warn',
    },
  };
}

/** The shoot kube-apiserver of one control plane (the one under test's, or a neighbour's from its own plan). */
export function shootApiserverConfig(plan: ClusterPlan, pems: PemSource): ControlPlaneConfig {
  const cp = plan.topology.controlPlane;
  const tokens: ControlPlaneConfig['tokens'] = { [plan.tokens.shootAdmin]: { user: 'system:admin', groups: ['system:masters'] } };
  for (const group of plan.clientGroups) {
    tokens[plan.tokens.clientGroups[group]!] = { user: tokenUser(group), groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'] };
  }
  return {
    namespace: plan.namespace,
    replicas: plan.replicas,
    tls: pems.keyPair('kube-apiserver'),
    clientCaPem: pems.authority('ca-client'),
    frontProxyCaPem: pems.authority('ca-front-proxy'),
    tokens,
    randomSeed: new Rng(plan.randomSeed).fork('shoot-apiserver').seed,
    capacity: capacityConfig(plan.topology),
    goawayChance: plan.mode.useGoawayChance ? cp.goawayChance : 0,
    http2MaxStreamsPerConnection: cp.http2MaxStreamsPerConnection,
    readinessDelayMs: cp.readinessDelay,
    // --enable-priority-and-fairness (on by default) and the scenario's FlowSchemas/PriorityLevelConfigurations.
    apf: { enabled: cp.apf.enabled, flowSchemas: cp.apf.flowSchemas, priorityLevels: cp.apf.priorityLevels },
  };
}

/**
 * The config of gateway pod `index` (also for pods added while the cluster runs): one server per control plane of
 * the seed, the one under test first (its index 0 is what EDS updates address), then each neighbour.
 */
export function gatewayPodConfig(plan: ClusterPlan, pems: PemSource, pod: Endpoint, index: number, neighbourPems: PemSource[]): GatewayPodConfig {
  const gateway = plan.topology.gateway;
  return {
    name: pod.name,
    ip: pod.ip,
    port: pod.port,
    mode: plan.mode.gatewayMode ?? 'terminate',
    lbPolicy: gateway.lbPolicy,
    choiceCount: gateway.choiceCount,
    randomSeed: new Rng(plan.randomSeed).fork(`gateway-${index}`).seed,
    maxConcurrentStreams: gateway.maxConcurrentStreams,
    upstreamConnectionsPerEndpoint: gateway.upstreamConnectionsPerEndpoint,
    controlPlanes: [gatewayServer(plan, pems), ...plan.neighbours.map((n, i) => gatewayServer(n, neighbourPems[i]!))],
  };
}

/** What the gateway serves for one control plane (Gardener's Gateway, VirtualService and DestinationRule of it). */
function gatewayServer(plan: ClusterPlan, pems: PemSource): GatewayPodConfig['controlPlanes'][number] {
  return {
    hosts: [plan.publicHost],
    servingTls: pems.keyPair('kube-apiserver'),
    clientCaPem: pems.authority('ca-client'),
    upstream: { endpoints: plan.replicas, caPem: pems.authority('ca'), sni: IN_CLUSTER_API_HOST, frontProxyClient: pems.keyPair('istio-gateway-client') },
  };
}

function capacityConfig(topology: Topology): CapacityConfig {
  const c = topology.controlPlane.capacity;
  return {
    workers: c.workers,
    serviceTimeMs: { ...c.serviceTime },
    distribution: c.distribution,
    maxRequestsInflight: c.maxRequestsInflight,
    maxMutatingRequestsInflight: c.maxMutatingRequestsInflight,
    retryAfterSeconds: 1,
  };
}
