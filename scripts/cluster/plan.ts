// The plan of one simulated seed cluster for one mode: a pure function of the scenario's topology, the mode and a
// random seed (docs/architecture.md#the-plan). It opens no socket and starts nothing. It names every address,
// certificate to issue and token, the seed objects to create and the typed config of every component; a target
// (scripts/targets/) turns it into running parts. The plan holds no PEMs and no PEM-bearing configs or objects:
// `issuePlan(plan)` (issuedPlan.ts) issues its certificates and builds every component config and seed object from
// them in one call; `placeholderPlan(plan)` builds the same with PEMs named as placeholders, for printing and tests.
//
// Two API servers, as in a real Gardener landscape: the *seed* kube-apiserver holds pods, Services, the ConfigMap and
// the webhook registration (lightly loaded, never measured); the *shoot* kube-apiserver replicas are the ones under
// load, measured through their /metrics.
//
// A seed runs many shoots' control planes behind one ingress gateway. A scenario's `topology.neighbours` add other
// control planes (docs/scenarios.md#shared-gateway): each is planned as a ClusterPlan of its own (`neighbours`), in
// the same address block with its own control-plane slot, certificates and tokens. A neighbour's plan names only what
// is its own (its CAs and certificates, its namespace's objects); the seed-wide parts (gateway pods, seed
// kube-apiserver and its CA, the webhook and its CA, kube-proxy) are planned once, in the plan of the control plane
// under test, whose gateway and kube-proxy configs include every neighbour.
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
import { clientGroupCertificateId, controlPlaneCertificates, type CertificatePlan } from './certificates.ts';
import { genericKubeconfigSecretName } from './clientPod.ts';
import {
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
import type { ServiceRecord, ServiceSpec } from '../core/service.ts';

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

/**
 * Everything about one control plane of the seed (and, for the one under test, the seed-wide parts) except what bears
 * PEMs: component configs and seed objects are built from a plan and a PemSource (issuedPlan.ts).
 */
export interface ClusterPlan {
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

  return {
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
    certificates: certificatePlan(
      namespace,
      cp.publicHost,
      addresses,
      kubeApiserverVip,
      clientCertificateGroups,
      role.neighbour ? undefined : { seedApiserver, webhook },
    ),
    tokens,
    genericKubeconfig: genericKubeconfigFor(namespace, cp.publicHost, mode.kubeconfigAddress),
    clientGroups,
    ...(role.neighbour ? { neighbour: role.neighbour } : {}),
    neighbours,
  };
}

/**
 * How the results name a replica of a plan's control plane: by its pod name for the one under test, as
 * `<neighbour>/kube-apiserver-<i>` with the neighbour's name for a neighbour's (both targets' MetricsEndpoint).
 */
export function replicaIdentity(plan: Pick<ClusterPlan, 'neighbour'>, replica: string): { replica: string; controlPlane?: string } {
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

/**
 * The certificates a plan names: its control plane's (CAs, serving certificate with every replica slot's IP and the
 * VIP, the gateway's front-proxy client certificate, client groups'), and, for the plan under test only, the seed's
 * (`seed`: the seed kube-apiserver's and the webhook's CAs and serving certificates, issued once per seed).
 */
function certificatePlan(
  namespace: string,
  publicHost: string,
  addresses: AddressPlan,
  kubeApiserverVip: string,
  clientCertificateGroups: string[],
  seed: { seedApiserver: Endpoint; webhook: Endpoint } | undefined,
): CertificatePlan {
  const replicaIps = Array.from({ length: MAX_REPLICAS }, (_, i) => replicaIp(addresses, i));
  const controlPlane = controlPlaneCertificates(namespace, [publicHost], [...replicaIps, kubeApiserverVip]);
  const clientGroups = clientCertificateGroups.map((group) => ({
    id: clientGroupCertificateId(group),
    issuer: 'ca-client' as const,
    request: { commonName: clientCertificateUser(group), organizations: [CLIENT_CERTIFICATE_GROUP], usage: 'client' as const },
  }));
  if (!seed) return { authorities: controlPlane.authorities, certificates: [...controlPlane.certificates, ...clientGroups] };
  const seedWide = seedCertificatePlan(addresses, seed.seedApiserver, seed.webhook);
  return {
    authorities: [...controlPlane.authorities, ...seedWide.authorities],
    certificates: [...controlPlane.certificates, ...clientGroups, ...seedWide.certificates],
  };
}

/** The seed's own certificates: the seed kube-apiserver's and gardener-resource-manager's webhook's. */
function seedCertificatePlan(addresses: AddressPlan, seedApiserver: Endpoint, webhook: Endpoint): CertificatePlan {
  return {
    authorities: [
      { id: 'seed-ca', commonName: 'seed kube-apiserver CA' },
      { id: 'webhook-ca', commonName: 'gardener-resource-manager webhook CA' },
    ],
    certificates: [
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
