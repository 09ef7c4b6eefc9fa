// The simulated seed cluster for one mode: it starts every component (each in its own worker), creates the seed
// objects Gardener would, admits client pods through the real webhook, and hands back what the runner needs.
// Two API servers, as in reality: the *seed* kube-apiserver holds pods, Services, the ConfigMap and the webhook
// registration (it runs in this thread, lightly loaded and never measured); the *shoot* kube-apiserver replicas are
// the ones under load, measured through their /metrics.
import { randomBytes } from 'node:crypto';
import { Rng } from './random.ts';
import { createCertificateAuthority, issueCertificate } from './pki/certificates.ts';
import { createClusterPki, IN_CLUSTER_API_HOST, type ClusterPki } from './pki/clusterPki.ts';
import { clientPodIp, gatewayPodIp, leaseAddressBlock, mapPrivilegedPort, replicaIp, serviceIp, systemPodIp, type AddressPlan } from './network/addresses.ts';
import type { KubeProxyConfig, KubeProxyInfo, ServiceProxyStats, ServiceSpec } from './network/kubeProxy.ts';
import type { PodIdentity } from './network/networkPolicy.ts';
import type { ServiceRecord } from './network/resolver.ts';
import { startInProcessComponent, startWorkerComponent, type WorkerStartOptions } from './runtime/startComponent.ts';
import type { ComponentEventListener, ComponentHandle } from './runtime/component.ts';
import { Teardown } from './runtime/teardown.ts';
import { RestClient, type RestTarget } from './kube/restClient.ts';
import { GENERIC_KUBECONFIG_TOKEN_FILE, parseKubeconfig, renderKubeconfig } from './kube/kubeconfig.ts';
import { clientPodObject, genericKubeconfigSecretName, KUBE_APISERVER_POLICY_LABEL, type PodObject } from './pods/clientPod.ts';
import {
  GRM_NAMESPACE,
  INTERNAL_LB_CONFIGMAP,
  internalLoadBalancingConfigMap,
  istioInternalService,
  kubeApiserverService,
  mutatingWebhookConfiguration,
  namespaceObject,
  secretObject,
  WEBHOOK_PATH,
} from './bootstrapObjects.ts';
import type { ModeConfig } from './modes.ts';
import type { ClientGroup, Scenario } from '../scenarios/schema.ts';
import { networkPolicyLabel } from '../webhook/networkPolicyLabel.ts';
import { startControlPlane, type ControlPlaneConfig, type ControlPlaneInfo } from './apiserver/controlPlane.ts';
import { createMutatingWebhookAdmission } from './apiserver/admission/mutatingWebhookAdmission.ts';
import type { GatewayPodConfig } from './gateway/gatewayPod.ts';
import type { ClientPodSpec, ClientsConfig } from './clients/types.ts';

export type Topology = Scenario['topology'];

const REPLICA_PORT = 443; // Gardener's kube-apiserver Service targetPort
const GATEWAY_PORT = 9443; // istio ingress gateway container port behind Service port 443
const WEBHOOK_PORT = 10250; // gardener-resource-manager's webhook server port

export interface ClusterOptions {
  seed: number;
  topology: Topology;
  mode: ModeConfig;
  /** Client groups whose access tokens the shoot kube-apiserver must know (one shoot-access secret per group). */
  clientGroups: Pick<ClientGroup, 'name'>[];
  onEvent?: ComponentEventListener;
  /** Start the gateway even if the mode sends no client traffic through it (npm run sim). */
  alwaysStartGateway?: boolean;
  /** Pin the loopback /16 (replayable addresses). */
  addressBlock?: number;
}

export interface ReplicaEndpoint {
  name: string;
  ip: string;
  port: number;
}

export interface SimulatedCluster {
  plan: AddressPlan;
  mode: ModeConfig;
  pki: ClusterPki;
  namespace: string;
  publicHost: string;
  replicas: ReplicaEndpoint[];
  services: ServiceRecord[];
  /** Admin access to the shoot kube-apiserver replicas (scraping, checks). */
  shootAdmin: RestTarget;
  /** Admin access to the seed kube-apiserver. */
  seedAdmin: RestTarget;
  seedCaPem: string;
  gatewayPods: ReplicaEndpoint[];
  kubeProxyListeners: KubeProxyInfo['listeners'];
  startupMs: number;
  /** Creates client pods through the seed kube-apiserver (admission runs the real webhook) and returns them ready to run. */
  admitClientPods(groups: ClientGroup[]): Promise<ClientPodSpec[]>;
  startClients(pods: ClientPodSpec[], workerCount?: number): Promise<ComponentHandle<unknown>[]>;
  networkStats(): Promise<{ kubeProxy: ServiceProxyStats[]; gateways: unknown[] }>;
  close(): Promise<void>;
}

export async function startSimulatedCluster(options: ClusterOptions): Promise<SimulatedCluster> {
  const started = performance.now();
  const teardown = new Teardown();
  try {
    return await build(options, teardown, started);
  } catch (error) {
    const errors = await teardown.run();
    if (errors.length > 0) (error as Error).message += `\n(also during clean-up: ${errors.map((e) => e.message).join('; ')})`;
    throw error;
  }
}

async function build(options: ClusterOptions, teardown: Teardown, started: number): Promise<SimulatedCluster> {
  const { topology, mode } = options;
  const cp = topology.controlPlane;
  const namespace = cp.namespace;
  const publicHost = cp.publicHost;
  const istioNamespace = topology.gateway.namespace;
  const rng = new Rng(options.seed);

  const lease = await leaseAddressBlock({ preferredBlock: options.addressBlock, privilegedPortOffset: topology.network.privilegedPortOffset });
  teardown.add('address lease', () => lease.release());
  const plan = lease.plan;
  const replicas: ReplicaEndpoint[] = Array.from({ length: cp.replicas }, (_, i) => ({
    name: `kube-apiserver-${i}`,
    ip: replicaIp(plan, i),
    port: mapPrivilegedPort(REPLICA_PORT, plan.privilegedPortOffset),
  }));
  const kubeApiserverVip = serviceIp(plan, 0);
  const gatewayVip = serviceIp(plan, 1);
  const seedApiserverIp = systemPodIp(plan, 1);
  const webhookIp = systemPodIp(plan, 2);
  const gatewayPods: ReplicaEndpoint[] = Array.from({ length: topology.gateway.pods }, (_, i) => ({ name: `istio-ingressgateway-${i}`, ip: gatewayPodIp(plan, i), port: GATEWAY_PORT }));

  // PKIs: the shoot's (cluster CA, front-proxy CA, client CA), the seed's, and the webhook's own CA.
  const [pki, seedPki, seedCa, webhookCa] = await Promise.all([
    createClusterPki({ namespace, publicHosts: [publicHost], ipAddresses: [...replicas.map((r) => r.ip), kubeApiserverVip] }),
    createClusterPki({ namespace: 'seed', publicHosts: [], ipAddresses: [seedApiserverIp] }),
    createCertificateAuthority('seed kube-apiserver CA'),
    createCertificateAuthority('gardener-resource-manager webhook CA'),
  ]);
  const [seedServing, webhookServing] = await Promise.all([
    issueCertificate(seedCa, { commonName: 'kube-apiserver', dnsNames: ['kubernetes', 'kubernetes.default.svc', IN_CLUSTER_API_HOST], ipAddresses: [seedApiserverIp], usage: 'server' }),
    issueCertificate(webhookCa, {
      commonName: 'gardener-resource-manager',
      dnsNames: [`gardener-resource-manager.${GRM_NAMESPACE}.svc`, `gardener-resource-manager.${GRM_NAMESPACE}.svc.cluster.local`],
      ipAddresses: [webhookIp],
      usage: 'server',
    }),
  ]);

  // Tokens: admin for the runner, one per client group (shoot-access-<group>), one for the webhook on the seed.
  const token = () => randomBytes(24).toString('base64url');
  const shootAdminToken = token();
  const groupTokens = new Map(options.clientGroups.map((g) => [g.name, token()]));
  const shootTokens: ControlPlaneConfig['tokens'] = { [shootAdminToken]: { user: 'system:admin', groups: ['system:masters'] } };
  for (const [group, t] of groupTokens) shootTokens[t] = { user: `system:serviceaccount:kube-system:${group}`, groups: ['system:serviceaccounts'] };
  const seedAdminToken = token();
  const webhookToken = token();

  const shootConfig: ControlPlaneConfig = {
    namespace,
    replicas,
    tls: apiserverTls(pki),
    clientCaPem: pki.clientCaPem,
    frontProxyCaPem: pki.frontProxyCaPem,
    tokens: shootTokens,
    seed: rng.fork('shoot-apiserver').seed,
    capacity: capacityConfig(topology),
    goawayChance: mode.useGoawayChance ? cp.goawayChance : 0,
    http2MaxStreamsPerConnection: cp.http2MaxStreamsPerConnection,
  };
  // Worker threads boot in parallel (each loads its modules, ~0.3 s); every address is known up front, so none
  // waits for another. Each is registered for teardown as soon as it is up, also if a sibling fails.
  const startWorker = <Info>(name: string, entry: URL, config: unknown, resourceLimits?: WorkerStartOptions['resourceLimits']): Promise<ComponentHandle<Info>> => {
    const start = startWorkerComponent<Info>({ name, entry, config, onEvent: options.onEvent, resourceLimits }).then((handle) => {
      teardown.add(name, () => handle.close());
      return handle;
    });
    teardown.waitFor(start);
    start.catch(() => undefined); // reported by the allSettled below, or by the error that stopped the build first
    return start;
  };
  const shootApiserverStarting = startWorker<ControlPlaneInfo>('apiserver', new URL('./apiserver/worker.ts', import.meta.url), shootConfig);

  // The seed kube-apiserver: one replica, in this thread, with the MutatingAdmissionWebhook plugin wired in.
  const seedConfig: ControlPlaneConfig = {
    namespace: 'seed',
    replicas: [{ name: 'seed-kube-apiserver', ip: seedApiserverIp, port: mapPrivilegedPort(443, plan.privilegedPortOffset) }],
    tls: seedServing,
    clientCaPem: seedPki.clientCaPem,
    frontProxyCaPem: seedPki.frontProxyCaPem,
    tokens: {
      [seedAdminToken]: { user: 'system:admin', groups: ['system:masters'] },
      [webhookToken]: { user: 'system:serviceaccount:garden:gardener-resource-manager', groups: ['system:serviceaccounts'] },
    },
    seed: rng.fork('seed-apiserver').seed,
    capacity: { ...capacityConfig(topology), workers: 64, serviceTimeMs: { get: 0, list: 0, create: 0, update: 0, patch: 0, delete: 0, watchSetup: 0 } },
    goawayChance: 0,
    http2MaxStreamsPerConnection: 100,
  };
  const seedApiserver = await startInProcessComponent('seed-apiserver', (config: ControlPlaneConfig) =>
    startControlPlane(config, {
      admitFactory: (store) =>
        createMutatingWebhookAdmission({
          listWebhookConfigurations: () => store.list('mutatingwebhookconfigurations'),
          getNamespace: (name: string) => store.get('namespaces', '', name),
          // gardener-resource-manager's Service (port 443 → 10250) is resolved to its pod, as the endpoint routing does.
          resolveServiceUrl: ({ namespace: ns, name, path }) =>
            ns === GRM_NAMESPACE && name === 'gardener-resource-manager' ? `https://${webhookIp}:${WEBHOOK_PORT}${path ?? ''}` : undefined,
        }),
    }), seedConfig, options.onEvent);
  teardown.add('seed kube-apiserver', () => seedApiserver.close());
  const seedAdmin: RestTarget = { server: `https://${seedApiserverIp}:${seedConfig.replicas[0]!.port}`, caPem: seedCa.certPem, token: seedAdminToken };
  const seed = new RestClient(seedAdmin);
  teardown.add('seed client', () => seed.close());

  // gardener-resource-manager's webhook, reading the seed through @kubernetes/client-node.
  const webhookStarting = startWorker<{ url: string }>('webhook', new URL('../webhook/worker.ts', import.meta.url), {
    host: webhookIp,
    port: WEBHOOK_PORT,
    tls: webhookServing,
    kube: { server: seedAdmin.server, caPem: seedCa.certPem, token: webhookToken },
    logLevel: 'warn',
  });

  // Seed objects (reference §2–§6).
  await seed.apply('/api/v1/namespaces', namespaceObject(namespace, { 'gardener.cloud/role': 'shoot' }));
  await seed.apply('/api/v1/namespaces', namespaceObject(istioNamespace, { 'gardener.cloud/role': 'istio-ingress' }));
  await seed.apply('/api/v1/namespaces', namespaceObject(GRM_NAMESPACE, {}));
  await seed.apply(`/api/v1/namespaces/${namespace}/services`, kubeApiserverService(namespace, kubeApiserverVip));
  await seed.apply(`/api/v1/namespaces/${istioNamespace}/services`, istioInternalService(istioNamespace, gatewayVip));
  if (mode.internalLoadBalancingConfigMap) {
    await seed.apply(`/api/v1/namespaces/${namespace}/configmaps`, internalLoadBalancingConfigMap(namespace, [publicHost], istioNamespace));
  } else {
    await seed.request('DELETE', `/api/v1/namespaces/${namespace}/configmaps/${INTERNAL_LB_CONFIGMAP}`);
  }
  await seed.apply('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', mutatingWebhookConfiguration(webhookCa.certPem));

  // The generic token kubeconfig: server https://kube-apiserver (L4) or https://<public host> (L7), §5.
  const address = mode.kubeconfigAddress === 'public-host' ? publicHost : 'kube-apiserver';
  const kubeconfigYaml = renderKubeconfig({ contextName: namespace, server: `https://${address}`, caPem: pki.clusterCaPem, tokenFile: GENERIC_KUBECONFIG_TOKEN_FILE });
  const genericSecret = genericKubeconfigSecretName(kubeconfigYaml);
  await seed.apply(`/api/v1/namespaces/${namespace}/secrets`, secretObject(namespace, genericSecret, { kubeconfig: kubeconfigYaml }, { 'managed-by': 'secrets-manager' }));
  for (const [group, t] of groupTokens) {
    await seed.apply(`/api/v1/namespaces/${namespace}/secrets`, secretObject(namespace, `shoot-access-${group}`, { token: t }));
  }

  const services: ServiceRecord[] = [
    { namespace, name: 'kube-apiserver', clusterIP: kubeApiserverVip },
    { namespace: istioNamespace, name: 'istio-ingressgateway-internal', clusterIP: gatewayVip },
  ];
  const gatewayPolicyLabel = networkPolicyLabel(`${istioNamespace}-istio-ingressgateway-internal`, GATEWAY_PORT);
  const serviceSpecs: ServiceSpec[] = [
    { namespace, name: 'kube-apiserver', clusterIP: kubeApiserverVip, ports: [{ port: 443, targetPort: REPLICA_PORT }], endpoints: replicas, requiredPodLabel: KUBE_APISERVER_POLICY_LABEL },
    { namespace: istioNamespace, name: 'istio-ingressgateway-internal', clusterIP: gatewayVip, ports: [{ port: 443, targetPort: GATEWAY_PORT }], endpoints: gatewayPods, requiredPodLabel: gatewayPolicyLabel },
  ];
  const kubeProxyConfig: KubeProxyConfig = { mode: topology.kubeProxy.mode, seed: rng.fork('kube-proxy').seed, privilegedPortOffset: plan.privilegedPortOffset, services: serviceSpecs, pods: [] };
  const kubeProxyStarting = startWorker<KubeProxyInfo>('kube-proxy', new URL('./network/kubeProxy.ts', import.meta.url), kubeProxyConfig);

  const gatewaysStarting: Promise<ComponentHandle<unknown>>[] = [];
  const gatewayMode = mode.gatewayMode ?? (options.alwaysStartGateway ? 'terminate' : undefined);
  if (gatewayMode) {
    for (const [index, pod] of gatewayPods.entries()) {
      const config: GatewayPodConfig = {
        name: pod.name,
        ip: pod.ip,
        port: pod.port,
        mode: gatewayMode,
        lbPolicy: topology.gateway.lbPolicy,
        choiceCount: topology.gateway.choiceCount,
        seed: rng.fork(`gateway-${index}`).seed,
        maxConcurrentStreams: topology.gateway.maxConcurrentStreams,
        upstreamConnectionsPerEndpoint: topology.gateway.upstreamConnectionsPerEndpoint,
        controlPlanes: [
          {
            hosts: [publicHost],
            servingTls: apiserverTls(pki),
            clientCaPem: pki.clientCaPem,
            upstream: { endpoints: replicas, caPem: pki.clusterCaPem, sni: IN_CLUSTER_API_HOST, frontProxyClient: pki.gatewayFrontProxyClient },
          },
        ],
      };
      gatewaysStarting.push(startWorker(pod.name, new URL('./gateway/worker.ts', import.meta.url), config));
    }
  }
  const starts = await Promise.allSettled([shootApiserverStarting, webhookStarting, kubeProxyStarting, ...gatewaysStarting]);
  const failed = starts.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const kubeProxy = await kubeProxyStarting;
  const gateways = await Promise.all(gatewaysStarting);

  const shootAdmin: RestTarget = { server: `https://${replicas[0]!.ip}:${replicas[0]!.port}`, caPem: pki.clusterCaPem, token: shootAdminToken, servername: 'kube-apiserver' };
  let podIndex = 0;
  const clientHandles: ComponentHandle<unknown>[] = [];

  const cluster: SimulatedCluster = {
    plan,
    mode,
    pki,
    namespace,
    publicHost,
    replicas,
    services,
    shootAdmin,
    seedAdmin,
    seedCaPem: seedCa.certPem,
    gatewayPods,
    kubeProxyListeners: kubeProxy.info.listeners,
    startupMs: performance.now() - started,

    async admitClientPods(groups) {
      const specs: ClientPodSpec[] = [];
      const identities: PodIdentity[] = [];
      for (const group of groups) {
        for (let i = 0; i < group.count; i++) {
          const name = `${group.name}-${i}`;
          const created = await seed.call<PodObject>('POST', `/api/v1/namespaces/${namespace}/pods`, clientPodObject({
            name,
            namespace,
            app: group.name,
            genericKubeconfigSecret: genericSecret,
            accessSecret: `shoot-access-${group.name}`,
          }));
          // What the pod's container would read from its projected volume.
          const kubeconfig = parseKubeconfig(await readSecretKey(seed, namespace, genericSecret, 'kubeconfig'));
          const podToken = await readSecretKey(seed, namespace, `shoot-access-${group.name}`, 'token');
          const ip = clientPodIp(plan, podIndex++);
          identities.push({ name, namespace, ip, labels: created.metadata.labels ?? {} });
          specs.push({
            name,
            group: group.name,
            namespace,
            ip,
            labels: created.metadata.labels ?? {},
            hostAliases: created.spec.hostAliases ?? [],
            kubeconfig: { server: kubeconfig.server, caPem: kubeconfig.caPem, token: podToken, tlsServerName: kubeconfig.tlsServerName },
            profile: group.profile,
            qps: group.qps,
            burst: group.burst,
            rate: group.rate,
            arrival: group.arrival,
            mix: group.mix,
            watches: group.watches,
            http1: group.http1,
            maxRetries: group.maxRetries,
          });
        }
      }
      await kubeProxy.call('registerPods', identities);
      return specs;
    },

    async startClients(pods, workerCount = 1) {
      const chunks = Array.from({ length: Math.max(1, Math.min(workerCount, pods.length)) }, () => [] as ClientPodSpec[]);
      pods.forEach((pod, i) => chunks[i % chunks.length]!.push(pod));
      const handles: ComponentHandle<unknown>[] = [];
      for (const [index, chunk] of chunks.entries()) {
        const config: ClientsConfig = {
          seed: rng.fork(`clients-${index}`).seed,
          pods: chunk,
          services,
          privilegedPortOffset: plan.privilegedPortOffset,
          clusterDomain: 'cluster.local',
        };
        const handle = await startWorkerComponent<unknown>({ name: `clients-${index}`, entry: new URL('./clients/worker.ts', import.meta.url), config, onEvent: options.onEvent });
        teardown.add(`clients-${index}`, () => handle.close());
        handles.push(handle);
        clientHandles.push(handle);
      }
      return handles;
    },

    async networkStats() {
      return {
        kubeProxy: await kubeProxy.call<ServiceProxyStats[]>('stats'),
        gateways: await Promise.all(gateways.map((g) => g.call('stats'))),
      };
    },

    async close() {
      const errors = await teardown.run();
      if (errors.length > 0) throw new AggregateError(errors, `cluster teardown: ${errors.map((e) => e.message).join('; ')}`);
    },
  };
  return cluster;
}

function apiserverTls(pki: ClusterPki) {
  return { certPem: pki.apiserverServing.certPem, keyPem: pki.apiserverServing.keyPem };
}

function capacityConfig(topology: Topology): ControlPlaneConfig['capacity'] {
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

async function readSecretKey(client: RestClient, namespace: string, name: string, key: string): Promise<string> {
  const secret = await client.call<{ data?: Record<string, string> }>('GET', `/api/v1/namespaces/${namespace}/secrets/${name}`);
  const value = secret.data?.[key];
  if (value === undefined) throw new Error(`secret ${namespace}/${name} has no key "${key}"`);
  return Buffer.from(value, 'base64').toString('utf8');
}

export { WEBHOOK_PATH };
