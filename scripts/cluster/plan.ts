// The plan of one simulated seed cluster for one mode: a pure function of the scenario's topology, the mode and a
// random seed (docs/architecture.md#the-plan). It opens no socket and starts nothing. It names every address,
// certificate to issue and token, the seed objects to create and the typed config of every component; a target
// (scripts/targets/) turns it into running parts. Certificates appear as PEM placeholders here; a target issues
// them and builds the same configs and objects again with the real PEMs (planComponents, buildSeedObjects).
//
// Two API servers, as in a real Gardener landscape: the *seed* kube-apiserver holds pods, Services, the ConfigMap and
// the webhook registration (lightly loaded, never measured); the *shoot* kube-apiserver replicas are the ones under
// load, measured through their /metrics.
//
// A seed runs many shoots' control planes behind one ingress gateway. A scenario's `topology.neighbours` add other
// control planes (docs/scenarios.md#shared-gateway): each is planned as a ClusterPlan of its own (`neighbours`), in
// the same address block with its own control-plane slot, certificates and tokens. The seed-wide parts of a
// neighbour's plan (gateway pods, seed kube-apiserver, webhook, kube-proxy) are the same seed's and are started once,
// from the plan of the control plane under test, whose gateway and kube-proxy configs include every neighbour.
import type { ControlPlaneConfig } from '../../sim/apiserver/controlPlane.ts';
import type { CapacityConfig } from '../../sim/apiserver/capacity.ts';
import type { GatewayPodConfig } from '../../sim/gateway/gatewayPod.ts';
import type { KubeProxyConfig, ServiceSpec } from '../../sim/network/kubeProxy.ts';
import type { ServiceRecord } from '../../sim/network/resolver.ts';
import type { WebhookPodConfig } from '../../sim/webhookPod.ts';
import { Rng } from '../core/random.ts';
import { neighbourIdentity, type ClientGroup, type Scenario } from '../../scenarios/schema.ts';
import { internalGatewayPolicyLabel } from '../../webhook/networkPolicyLabel.ts';
import { GATEWAY_TARGET_PORT } from '../../webhook/constants.ts';
import {
  DEFAULT_PRIVILEGED_PORT_OFFSET,
  FIRST_ADDRESS_BLOCK,
  gatewayPodIp,
  kubeApiserverServiceIp,
  replicaIp,
  serviceIp,
  systemPodIp,
  type AddressPlan,
} from './addresses.ts';
import { mapPrivilegedPort, type Endpoint } from '../core/endpoint.ts';
import { clientGroupCertificateId, controlPlaneCertificates, PLACEHOLDER_PEMS, type CertificatePlan, type PemSource } from './certificates.ts';
import { genericKubeconfigSecretName } from './clientPod.ts';
import {
  CLUSTER_DOMAIN,
  GATEWAY_INTERNAL_SERVICE_NAME,
  GATEWAY_SERVICE_PORT,
  GENERIC_KUBECONFIG_TOKEN_FILE,
  GRM_NAME,
  GRM_NAMESPACE,
  IN_CLUSTER_API_HOST,
  KUBE_APISERVER_POLICY_LABEL,
  KUBE_APISERVER_PORT,
  KUBE_APISERVER_SERVICE_NAME,
  WEBHOOK_SERVER_PORT,
} from './gardener.ts';
import type { ModeConfig } from './modes.ts';
import { buildSeedObjects, type SeedObject } from './seedObjects.ts';

export type Topology = Scenario['topology'];

/** kube-apiserver replicas a plan leaves room for (serving-certificate SANs, addresses): the scenario maximum. */
export const MAX_REPLICAS = 16;
/** Gateway pods a plan leaves room for. */
export const MAX_GATEWAY_PODS = 16;

export interface PlanOptions {
  /** Client groups whose pods the shoot kube-apiserver must know (a shoot-access token or a client certificate per group). */
  clientGroups?: (Pick<ClientGroup, 'name'> & Partial<Pick<ClientGroup, 'auth' | 'controlPlane'>>)[];
  /** Start gateway pods even when the mode sends no client traffic through them (npm run sim). */
  gateways?: 'when-used' | 'always';
  /** The loopback 127.<block>.0.0/16; the local target moves a plan to a free block if this one is taken. */
  addressBlock?: number;
  /** A /16 other than loopback, as its first two octets (`198.18`: the binary target; AddressPlan.prefix). */
  addressPrefix?: string;
  /** With addressPrefix: the Service VIPs' /16, as its first two octets (`198.19`; AddressPlan.servicePrefix). */
  servicePrefix?: string;
  /** Overrides the scenario's privileged-port offset (the binary target binds 443 itself: 0). */
  privilegedPortOffset?: number;
}

/** A neighbour control plane's name and address slot (docs/scenarios.md#shared-gateway). */
export interface NeighbourRole {
  name: string;
  slot: number;
}

/** Which control plane of the seed a plan is: the one under test, or a neighbour. */
export interface PlanRole {
  neighbour?: NeighbourRole;
}

/** Everything about the cluster except the certificate-bearing parts (which builders make from a PemSource). */
export interface PlanLayout {
  randomSeed: number;
  mode: ModeConfig;
  topology: Topology;
  options: Required<PlanOptions>;
  addresses: AddressPlan;
  namespace: string;
  istioNamespace: string;
  publicHost: string;
  /** The two Services kube-proxy serves: VIPs, ports, endpoints and the pod label their pods require. */
  services: { kubeApiserver: ServiceSpec; gatewayInternal: ServiceSpec };
  /** What cluster DNS answers for Service names. */
  dns: ServiceRecord[];
  replicas: Endpoint[];
  gatewayPods: Endpoint[];
  seedApiserver: Endpoint;
  webhook: Endpoint;
  certificates: CertificatePlan;
  tokens: { shootAdmin: string; seedAdmin: string; webhook: string; clientGroups: Record<string, string> };
  /** The generic token kubeconfig every client pod mounts; its server address is what a mode changes. */
  genericKubeconfig: GenericKubeconfig;
  clientGroups: string[];
  /** Set when this plan is a neighbour's (docs/scenarios.md#shared-gateway). */
  neighbour?: NeighbourRole;
  /** The neighbours' plans (always empty in a neighbour's own plan). */
  neighbours: ClusterPlan[];
}

export interface GenericKubeconfig {
  secretName: string;
  contextName: string;
  server: string;
  tokenFile: string;
}

/** Where the generic token kubeconfig points for a server address (the secret name follows its content). */
export function genericKubeconfigFor(namespace: string, publicHost: string, address: 'kube-apiserver' | 'public-host'): GenericKubeconfig {
  const content = {
    contextName: namespace,
    server: `https://${address === 'public-host' ? publicHost : KUBE_APISERVER_SERVICE_NAME}`,
    tokenFile: GENERIC_KUBECONFIG_TOKEN_FILE,
  };
  return { secretName: genericKubeconfigSecretName(content), ...content };
}

export interface PlannedComponents {
  shootApiserver: ControlPlaneConfig;
  seedApiserver: ControlPlaneConfig;
  kubeProxy: KubeProxyConfig;
  gateways: GatewayPodConfig[];
  webhook: WebhookPodConfig;
}

export interface ClusterPlan extends PlanLayout {
  /** In creation order, with placeholder PEMs (buildSeedObjects(plan, pems) gives the real ones). */
  seedObjects: SeedObject[];
  /** With placeholder PEMs (planComponents(plan, pems) gives the real ones). */
  components: PlannedComponents;
}

export function planCluster(topology: Topology, mode: ModeConfig, randomSeed: number, options: PlanOptions = {}, role: PlanRole = {}): ClusterPlan {
  const opts: Required<PlanOptions> = {
    clientGroups: options.clientGroups ?? [],
    gateways: options.gateways ?? 'when-used',
    addressBlock: options.addressBlock ?? FIRST_ADDRESS_BLOCK,
    addressPrefix: options.addressPrefix ?? '',
    servicePrefix: options.servicePrefix ?? '',
    privilegedPortOffset: options.privilegedPortOffset ?? -1,
  };
  const cp = topology.controlPlane;
  const addresses: AddressPlan = {
    block: opts.addressBlock,
    ...(opts.addressPrefix ? { prefix: opts.addressPrefix } : {}),
    ...(opts.servicePrefix ? { servicePrefix: opts.servicePrefix } : {}),
    privilegedPortOffset:
      opts.privilegedPortOffset >= 0 ? opts.privilegedPortOffset : (topology.network.privilegedPortOffset ?? DEFAULT_PRIVILEGED_PORT_OFFSET),
    ...(role.neighbour ? { controlPlaneSlot: role.neighbour.slot } : {}),
  };
  const ownGroups = opts.clientGroups.filter((g) => g.controlPlane === role.neighbour?.name);
  const neighbours = role.neighbour
    ? []
    : topology.neighbours.map((neighbour, index) =>
        planCluster(
          { ...topology, controlPlane: { ...neighbour, ...neighbourIdentity(neighbour) }, neighbours: [] },
          mode,
          new Rng(randomSeed).fork(`neighbour-${neighbour.name}`).seed,
          opts,
          { neighbour: { name: neighbour.name, slot: index + 1 } },
        ),
      );
  const bound = (port: number) => mapPrivilegedPort(port, addresses.privilegedPortOffset);
  const namespace = cp.namespace;
  const istioNamespace = topology.gateway.namespace;
  const rng = new Rng(randomSeed);

  const replicas = Array.from({ length: cp.replicas }, (_, i) => replicaEndpoint(addresses, i));
  const gatewaysRun = mode.gatewayMode !== undefined || opts.gateways === 'always';
  const gatewayPods = gatewaysRun ? Array.from({ length: topology.gateway.pods }, (_, i) => gatewayEndpoint(i, addresses)) : [];
  const kubeApiserverVip = kubeApiserverServiceIp(addresses);
  const gatewayVip = serviceIp(addresses, 1);
  const seedApiserver: Endpoint = { name: 'seed-kube-apiserver', ip: systemPodIp(addresses, 0), port: bound(KUBE_APISERVER_PORT) };
  const webhook: Endpoint = { name: GRM_NAME, ip: systemPodIp(addresses, 1), port: WEBHOOK_SERVER_PORT };

  const tokenRng = rng.fork('tokens');
  const token = () => Buffer.from(Uint32Array.from({ length: 6 }, () => tokenRng.nextUint32()).buffer).toString('base64url');
  const clientGroups = ownGroups.map((g) => g.name);
  const clientCertificateGroups = ownGroups.filter((g) => g.auth === 'client-certificate').map((g) => g.name);
  const tokens = { shootAdmin: token(), seedAdmin: token(), webhook: token(), clientGroups: Object.fromEntries(clientGroups.map((g) => [g, token()])) };

  const layout: PlanLayout = {
    randomSeed,
    mode,
    topology,
    options: opts,
    addresses,
    namespace,
    istioNamespace,
    publicHost: cp.publicHost,
    services: {
      kubeApiserver: {
        namespace,
        name: KUBE_APISERVER_SERVICE_NAME,
        clusterIP: kubeApiserverVip,
        port: KUBE_APISERVER_PORT,
        listenPort: bound(KUBE_APISERVER_PORT),
        endpoints: replicas,
        requiredPodLabel: KUBE_APISERVER_POLICY_LABEL,
      },
      gatewayInternal: {
        namespace: istioNamespace,
        name: GATEWAY_INTERNAL_SERVICE_NAME,
        clusterIP: gatewayVip,
        port: GATEWAY_SERVICE_PORT,
        listenPort: bound(GATEWAY_SERVICE_PORT),
        endpoints: gatewayPods,
        requiredPodLabel: internalGatewayPolicyLabel(istioNamespace),
      },
    },
    dns: [
      { namespace, name: KUBE_APISERVER_SERVICE_NAME, clusterIP: kubeApiserverVip },
      { namespace: istioNamespace, name: GATEWAY_INTERNAL_SERVICE_NAME, clusterIP: gatewayVip },
      ...neighbours.map((n) => ({ namespace: n.namespace, name: KUBE_APISERVER_SERVICE_NAME, clusterIP: n.services.kubeApiserver.clusterIP })),
    ],
    replicas,
    gatewayPods,
    seedApiserver,
    webhook,
    certificates: certificatePlan(namespace, cp.publicHost, addresses, kubeApiserverVip, seedApiserver, webhook, clientCertificateGroups),
    tokens,
    genericKubeconfig: genericKubeconfigFor(namespace, cp.publicHost, mode.kubeconfigAddress),
    clientGroups,
    ...(role.neighbour ? { neighbour: role.neighbour } : {}),
    neighbours,
  };
  return { ...layout, seedObjects: buildSeedObjects(layout, PLACEHOLDER_PEMS), components: planComponents(layout, PLACEHOLDER_PEMS) };
}

/**
 * How the results name a replica of a plan's control plane: by its pod name for the one under test, as
 * `<neighbour>/kube-apiserver-<i>` with the neighbour's name for a neighbour's (both targets' MetricsEndpoint).
 */
export function replicaIdentity(plan: Pick<PlanLayout, 'neighbour'>, replica: string): { replica: string; controlPlane?: string } {
  return plan.neighbour ? { replica: `${plan.neighbour.name}/${replica}`, controlPlane: plan.neighbour.name } : { replica };
}

/** The group (O) of every client group's certificate. */
export const CLIENT_CERTIFICATE_GROUP = 'client-certificate-users';

/** The user (CN) of a client group's certificate: the name kube-apiserver's x509 authenticator gives it. */
export function clientCertificateUser(group: string): string {
  return `client:${group}`;
}

/** The user a client group's shoot access token stands for. */
export function tokenUser(group: string): string {
  return `system:serviceaccount:kube-system:${group}`;
}

/** The endpoint of kube-apiserver replica `index` (replicas added later follow the same scheme). */
export function replicaEndpoint(addresses: AddressPlan, index: number): Endpoint {
  if (index < 0 || index >= MAX_REPLICAS) throw new RangeError(`replica index ${index} out of range (at most ${MAX_REPLICAS} replicas)`);
  return { name: `kube-apiserver-${index}`, ip: replicaIp(addresses, index), port: mapPrivilegedPort(KUBE_APISERVER_PORT, addresses.privilegedPortOffset) };
}

export function gatewayEndpoint(index: number, addresses: AddressPlan): Endpoint {
  if (index < 0 || index >= MAX_GATEWAY_PODS) throw new RangeError(`gateway pod index ${index} out of range (at most ${MAX_GATEWAY_PODS})`);
  return { name: `istio-ingressgateway-${index}`, ip: gatewayPodIp(addresses, index), port: GATEWAY_TARGET_PORT };
}

function certificatePlan(
  namespace: string,
  publicHost: string,
  addresses: AddressPlan,
  kubeApiserverVip: string,
  seedApiserver: Endpoint,
  webhook: Endpoint,
  clientCertificateGroups: string[],
): CertificatePlan {
  const replicaIps = Array.from({ length: MAX_REPLICAS }, (_, i) => replicaIp(addresses, i));
  const controlPlane = controlPlaneCertificates(namespace, [publicHost], [...replicaIps, kubeApiserverVip]);
  return {
    authorities: [
      ...controlPlane.authorities,
      { id: 'seed-ca', commonName: 'seed kube-apiserver CA' },
      { id: 'webhook-ca', commonName: 'gardener-resource-manager webhook CA' },
    ],
    certificates: [
      ...controlPlane.certificates,
      ...clientCertificateGroups.map((group) => ({
        id: clientGroupCertificateId(group),
        issuer: 'ca-client' as const,
        request: { commonName: clientCertificateUser(group), organizations: [CLIENT_CERTIFICATE_GROUP], usage: 'client' as const },
      })),
      {
        id: 'seed-kube-apiserver',
        issuer: 'seed-ca',
        request: {
          commonName: 'kube-apiserver',
          dnsNames: ['kubernetes', 'kubernetes.default.svc', IN_CLUSTER_API_HOST],
          // Off loopback the seed is a real kube-apiserver whose `default/kubernetes` Service (the first address of the
          // Service range) in-cluster clients dial by address (KUBERNETES_SERVICE_HOST), as kubeadm's certificate has it.
          ipAddresses: addresses.servicePrefix ? [seedApiserver.ip, `${addresses.servicePrefix}.0.1`] : [seedApiserver.ip],
          usage: 'server',
        },
      },
      {
        id: 'webhook-serving',
        issuer: 'webhook-ca',
        request: {
          commonName: GRM_NAME,
          dnsNames: [`${GRM_NAME}.${GRM_NAMESPACE}.svc`, `${GRM_NAME}.${GRM_NAMESPACE}.svc.cluster.local`],
          ipAddresses: [webhook.ip],
          usage: 'server',
        },
      },
    ],
  };
}

/**
 * The config of every component, with PEMs from `pems` (placeholders in the plan, issued ones in a target) and each
 * neighbour's from `neighbourPems` (same order as plan.neighbours).
 */
export function planComponents(plan: PlanLayout, pems: PemSource, neighbourPems: PemSource[] = plan.neighbours.map(() => PLACEHOLDER_PEMS)): PlannedComponents {
  const rng = new Rng(plan.randomSeed);
  const cp = plan.topology.controlPlane;
  const shootTokens: ControlPlaneConfig['tokens'] = { [plan.tokens.shootAdmin]: { user: 'system:admin', groups: ['system:masters'] } };
  for (const group of plan.clientGroups) {
    shootTokens[plan.tokens.clientGroups[group]!] = {
      user: tokenUser(group),
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'],
    };
  }
  const capacity = capacityConfig(plan.topology);
  return {
    shootApiserver: {
      namespace: plan.namespace,
      replicas: plan.replicas,
      tls: pems.keyPair('kube-apiserver'),
      clientCaPem: pems.authority('ca-client'),
      frontProxyCaPem: pems.authority('ca-front-proxy'),
      tokens: shootTokens,
      randomSeed: rng.fork('shoot-apiserver').seed,
      capacity,
      goawayChance: plan.mode.useGoawayChance ? cp.goawayChance : 0,
      http2MaxStreamsPerConnection: cp.http2MaxStreamsPerConnection,
      readinessDelayMs: cp.readinessDelay,
      // --enable-priority-and-fairness (on by default) and the scenario's FlowSchemas/PriorityLevelConfigurations.
      apf: { enabled: cp.apf.enabled, flowSchemas: cp.apf.flowSchemas, priorityLevels: cp.apf.priorityLevels },
    },
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
      capacity: { ...capacity, workers: 64, serviceTimeMs: { get: 0, list: 0, create: 0, update: 0, patch: 0, delete: 0, watchSetup: 0 } },
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

/**
 * The config of gateway pod `index` (also for pods added while the cluster runs): one server per control plane of
 * the seed, the one under test first (its index 0 is what EDS updates address), then each neighbour.
 */
export function gatewayPodConfig(
  plan: PlanLayout,
  pems: PemSource,
  pod: Endpoint,
  index: number,
  neighbourPems: PemSource[] = plan.neighbours.map(() => PLACEHOLDER_PEMS),
): GatewayPodConfig {
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
function gatewayServer(plan: PlanLayout, pems: PemSource): GatewayPodConfig['controlPlanes'][number] {
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

export { CLUSTER_DOMAIN };
