// A plan running on this machine (the local target): every component in its own worker thread on its own loopback
// addresses, the seed kube-apiserver in this thread, and the operations that change the cluster while load runs
// (docs/architecture.md#the-local-target). Starting it only wires parts that the plan already describes: one call
// (issuePlan) issues the certificates and builds the configs and seed objects with the real PEMs, and the components
// are started from their descriptors, every control plane's kube-apiserver in parallel.
import controlPlane from '../../../sim/apiserver/controlPlane.ts';
import clientPods from '../../../sim/clients/clients.ts';
import type { ClientsConfig } from '../../../sim/clients/types.ts';
import { KubeApiError } from '../../../sim/kube/restClient.ts';
import kubeProxyComponent from '../../../sim/network/kubeProxy.ts';
import type { PodIdentity } from '../../../sim/network/networkPolicy.ts';
import type { ComponentEventListener, HandleOf } from '../../../sim/runtime/component.ts';
import { Teardown } from '../../../sim/runtime/teardown.ts';
import { internalGatewayPolicyLabel } from '../../../webhook/networkPolicyLabel.ts';
import { ThreadHealthMonitor } from '../../../sim/runtime/threadHealth.ts';
import webhookPod from '../../../sim/webhookPod.ts';
import type { ClientGroup } from '../../../scenarios/schema.ts';
import { clientPodIp } from '../../cluster/addresses.ts';
import { type Endpoint } from '../../core/endpoint.ts';
import type { IssuedCertificates } from '../../cluster/certificates.ts';
import { gatewayPodConfig, type PlannedComponents } from '../../cluster/components.ts';
import { issuePlan, type IssuedPlan } from '../../cluster/issuedPlan.ts';
import { changeRecorder, type ChangeOutcome, type TopologyChange } from '../../cluster/changes.ts';
import { clientBehaviour, clientPodObject, type PodObject } from '../../cluster/clientPod.ts';
import { clientCertificateSecretName, CLUSTER_DOMAIN, KUBE_APISERVER_SERVICE_NAME, shootAccessSecretName } from '../../cluster/gardener.ts';
import { indexOf, ShootControlPlane } from './shootControlPlane.ts';
import { parseKubeconfig } from '../../cluster/kubeconfig.ts';
import { gatewayEndpoint, MAX_REPLICAS, planCluster, replicaEndpoint, genericKubeconfigFor, type ClusterPlan } from '../../cluster/plan.ts';
import { Rng } from '../../core/random.ts';
import { MachineCpuMeter, type MachineCpu } from '../../measure/machineCpu.ts';
import { genericKubeconfigSecret, type SeedObject } from '../../cluster/seedObjects.ts';
import type { ClientFleet, ClusterMembers, ComponentHealth, GroupChange, MetricsEndpoint, NetworkStats, PodAdmission, RunningCluster } from '../target.ts';
import { mapLimited } from '../kind/mapLimited.ts';
import { leaseAddressBlock } from './addressLease.ts';
import { ComponentHost } from './componentHost.ts';
import { EndpointsController } from './endpointsController.ts';
import type { ComponentSwaps } from './componentSwaps.ts';
import { EnvoyGateways } from './envoyGateways.ts';
import type { GatewaySet } from './gatewaySet.ts';
import { SimulatedGateways } from './simulatedGateways.ts';
import { locateBinary, missingBinaryMessage } from '../../binaries/locate.ts';
import type { TargetStartOptions } from '../target.ts';
import { SeedCluster } from './seedCluster.ts';
import type { ClientPodSpec, PrepareResult, RunOptions } from '../../core/clientPod.ts';

type ClientsHandle = HandleOf<typeof clientPods>;

/** How long a replica may take to become ready before a change that waits for it fails. */
const READY_DEADLINE_MS = 60_000;
const READINESS_PROBE_PERIOD_MS = 100;
/**
 * Client pods per client worker thread. Fewer threads contend less for this machine's 2 cores: with 1,000 pods, 200
 * per worker (5 threads) used ~900 MiB instead of ~1,100 MiB, warmed up in 9-10 s instead of 10-11 s and had the same
 * or lower event-loop p99 than 100 per worker (10 threads); 50 per worker was worse (docs/performance.md#scale).
 * Scenarios with at most 200 pods run in one worker, so their seeded schedules do not depend on it.
 */
const CLIENT_PODS_PER_WORKER = 200;
/** Neighbour kube-apiserver workers starting at once (docs/performance.md#seed-scale). */
const NEIGHBOUR_STARTS = 4;

export interface LocalClusterOptions {
  onEvent?: ComponentEventListener;
  /** Fail instead of moving the plan when its address block is taken (replayable addresses for `npm run sim`). */
  pinAddressBlock?: boolean;
  /** Simulated components replaced by real ones (`--components gateway=envoy`, docs/fidelity.md#swapping-one-component). */
  components?: ComponentSwaps;
  /** Registers the clean-up Ctrl-C runs while start() is under way (the runner registers close() once it returns). */
  registerCleanup?: TargetStartOptions['registerCleanup'];
}

export class LocalCluster implements RunningCluster {
  private webhook: HandleOf<typeof webhookPod> | undefined;
  private nextPodIndex = 0;
  /** How often each group's pods were created: later generations get new names, as a rollout's new pods do. */
  private readonly podGenerations = new Map<string, number>();
  /** How many client fleets this cluster started: a fleet's number labels its workers and forks its random streams. */
  private fleets = 0;
  private readonly hostThread = new ThreadHealthMonitor();
  /**
   * The simulator's threads all run in this process, and real components swapped in are its children: the machine's
   * CPU is theirs and other programs'.
   */
  private readonly machine: MachineCpuMeter | undefined;

  private constructor(
    readonly plan: ClusterPlan,
    /** The plan with its certificates issued, configs and seed objects built (issuePlan). */
    private readonly issued: IssuedPlan,
    readonly startupMs: number,
    private readonly host: ComponentHost,
    private readonly teardown: Teardown,
    readonly seed: SeedCluster,
    private readonly shoot: ShootControlPlane,
    /** The neighbour control planes sharing the seed and its gateway (docs/scenarios.md#shared-gateway). */
    readonly neighbours: ShootControlPlane[],
    readonly kubeProxy: HandleOf<typeof kubeProxyComponent>,
    private readonly endpoints: EndpointsController,
    private readonly gateways: GatewaySet,
  ) {
    this.machine = MachineCpuMeter.open('/proc/stat', () => gateways.runCpuMicros());
  }

  static async start(requested: ClusterPlan, options: LocalClusterOptions = {}): Promise<LocalCluster> {
    const started = performance.now();
    const teardown = new Teardown();
    // Ctrl-C while the cluster starts: what has started so far is stopped (the swapped-in real processes too).
    let interrupted = false;
    const unregister = options.registerCleanup?.(async () => {
      interrupted = true;
      await teardown.run();
    });
    // What comes up after an interrupted start's teardown ran is stopped at once, and the start ends there.
    const keep = async (name: string, stop: () => Promise<void>) => {
      if (!interrupted) return teardown.add(name, stop);
      await stop();
      throw new Error(`the cluster's start was interrupted (${name} stopped)`);
    };
    const host = new ComponentHost(options.onEvent);
    teardown.add('components', async () => {
      const errors = await host.close();
      if (errors.length > 0) throw new AggregateError(errors, errors.map((e) => e.message).join('; '));
    });
    try {
      const lease = await leaseAddressBlock({ preferredBlock: requested.addresses.block, onlyPreferred: options.pinAddressBlock });
      await keep('address lease', () => lease.release());
      // The plan names addresses in one /16; if another cluster holds that one, the same plan moves to the free block.
      // Certificates carry IP SANs, so they are issued for the plan as it finally is.
      const plan =
        lease.block === requested.addresses.block
          ? requested
          : planCluster(requested.topology, requested.mode, requested.randomSeed, { ...requested.options, addressBlock: lease.block });
      const issued = await issuePlan(plan);
      const { components } = issued;

      // Worker threads boot in parallel (each loads its modules, ~0.3 s of CPU): every address is known up front. The
      // neighbours' kube-apiservers start once the seed-wide workers are up, at most NEIGHBOUR_STARTS at a time, so
      // that with dozens of control planes each gets a CPU within its start timeout (50 started at once on 2 cores
      // timed out at 20 s; with them the webhook did too, on a machine at load 46).
      const shootStarting = host.start(controlPlane, 'apiserver', components.shootApiserver);
      const kubeProxyStarting = host.start(kubeProxyComponent, 'kube-proxy', components.kubeProxy);
      const webhookStarting = host.start(webhookPod, 'webhook', components.webhook);
      const gatewaysStarting = startGateways(host, plan, issued, options.components ?? {});
      gatewaysStarting.then(
        (set) => teardown.add('gateway pods', () => set.close()),
        () => undefined,
      );
      teardown.waitFor(gatewaysStarting);
      const seedWide = Promise.allSettled([shootStarting, kubeProxyStarting, webhookStarting, gatewaysStarting]);
      const neighboursStarting = seedWide.then(() =>
        mapLimited(issued.neighbours, NEIGHBOUR_STARTS, (n) => host.start(controlPlane, `apiserver-${n.plan.neighbour!.name}`, n.apiserver)),
      );
      // Handled from now on: a worker that fails while the seed is set up fails this start, not the process.
      const settling = Promise.allSettled([shootStarting, kubeProxyStarting, webhookStarting, gatewaysStarting, neighboursStarting]);
      const seed = await SeedCluster.start(plan, components, issued.certificates.authorities['seed-ca'].certPem);
      await keep('seed cluster', () => seed.close());
      await createSeedObjects(seed, issued);
      const all = await settling;
      const failed = all.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;

      const proxy = await kubeProxyStarting;
      const gateways = await gatewaysStarting;
      const endpoints = new EndpointsController(
        plan.namespace,
        `${plan.istioNamespace}/${plan.services.gatewayInternal.name}`,
        {
          setServiceEndpoints: (service, list, resetRemoved) => proxy.remote.setEndpoints(service, list, { resetRemoved }),
          setUpstreamEndpoints: (list) => gateways.setUpstreamEndpoints(list),
        },
        { caPem: issued.certificates.authorities.ca.certPem, servername: KUBE_APISERVER_SERVICE_NAME, periodMs: READINESS_PROBE_PERIOD_MS, timeoutMs: 1000 },
        plan.replicas,
      );
      const neighbours = await neighboursStarting;
      const cluster = new LocalCluster(
        plan,
        issued,
        performance.now() - started,
        host,
        teardown,
        seed,
        new ShootControlPlane(plan, issued.certificates, await shootStarting),
        plan.neighbours.map((n, i) => new ShootControlPlane(n, issued.neighbourCertificates[i]!, neighbours[i]!)),
        proxy,
        endpoints,
        gateways,
      );
      cluster.webhook = await webhookStarting;
      if (interrupted) throw new Error("the cluster's start was interrupted");
      return cluster;
    } catch (error) {
      const errors = await teardown.run();
      if (errors.length > 0) (error as Error).message += `\n(also during clean-up: ${errors.map((e) => e.message).join('; ')})`;
      throw error;
    } finally {
      unregister?.();
    }
  }

  /** The issued certificates of the control plane under test, with the seed's. */
  get certificates(): IssuedCertificates {
    return this.issued.certificates;
  }

  /** The seed-wide components' configs and the shoot kube-apiserver under test's, with the real PEMs. */
  get components(): PlannedComponents {
    return this.issued.components;
  }

  /** Admin access to the shoot replicas (the runner's scrapes go through replicaMetrics()). */
  get shootAdmin() {
    return this.shoot.admin;
  }

  get gatewayPods(): Endpoint[] {
    return this.gateways.pods();
  }

  async admitClientPods(groups: ClientGroup[]): Promise<PodAdmission> {
    const admission: PodAdmission = { admitted: [], rejected: [] };
    const identities: PodIdentity[] = [];
    for (const group of groups) {
      const shoot = this.controlPlaneOf(group);
      const ns = shoot.plan.namespace;
      // What each pod's container would read from its projected volume.
      const genericKubeconfig = shoot.genericKubeconfig;
      const kubeconfig = parseKubeconfig(await this.seed.readSecretKey(ns, genericKubeconfig.secretName, 'kubeconfig'));
      // A token from the group's shoot access secret, or the group's client certificate (auth: client-certificate).
      const certificateSecret = group.auth === 'client-certificate' ? clientCertificateSecretName(group.name) : undefined;
      const credentials = certificateSecret
        ? {
            clientCertPem: await this.seed.readSecretKey(ns, certificateSecret, 'tls.crt'),
            clientKeyPem: await this.seed.readSecretKey(ns, certificateSecret, 'tls.key'),
          }
        : { token: await this.seed.readSecretKey(ns, shootAccessSecretName(group.name), 'token') };
      const generation = this.podGenerations.get(group.name) ?? 0;
      this.podGenerations.set(group.name, generation + 1);
      for (let i = 0; i < group.count; i++) {
        const name = generation === 0 ? `${group.name}-${i}` : `${group.name}-g${generation}-${i}`;
        let created: PodObject;
        try {
          created = await this.seed.client.call<PodObject>(
            'POST',
            `/api/v1/namespaces/${ns}/pods`,
            clientPodObject({
              name,
              namespace: ns,
              app: group.name,
              genericKubeconfigSecret: genericKubeconfig.secretName,
              accessSecret: shootAccessSecretName(group.name),
              ...(certificateSecret ? { clientCertificateSecret: certificateSecret } : {}),
            }),
          );
        } catch (error) {
          if (!(error instanceof KubeApiError)) throw error;
          admission.rejected.push({ pod: `${ns}/${name}`, group: group.name, code: error.statusCode, message: error.status?.message ?? error.message });
          continue;
        }
        const ip = clientPodIp(this.plan.addresses, this.nextPodIndex++);
        const labels = created.metadata.labels ?? {};
        identities.push({ name, namespace: ns, ip, labels });
        admission.admitted.push({
          name,
          group: group.name,
          namespace: ns,
          ip,
          labels,
          hostAliases: created.spec.hostAliases ?? [],
          kubeconfig: { server: kubeconfig.server, caPem: kubeconfig.caPem, tlsServerName: kubeconfig.tlsServerName, ...credentials },
          ...clientBehaviour(group),
        });
      }
    }
    if (identities.length > 0) await this.kubeProxy.remote.registerPods(identities);
    return admission;
  }

  async startClients(pods: ClientPodSpec[], options: { workers?: number } = {}): Promise<ClientFleet> {
    const fleet = this.fleets++;
    const workers = Math.max(1, Math.min(options.workers ?? Math.ceil(pods.length / CLIENT_PODS_PER_WORKER), pods.length));
    const chunks = Array.from({ length: workers }, () => [] as ClientPodSpec[]);
    pods.forEach((pod, i) => chunks[i % workers]!.push(pod));
    const rng = new Rng(this.plan.randomSeed);
    const handles = await Promise.all(
      chunks.map((chunk, index) => {
        // The first fleet's labels are the ones every earlier version used, so seeded runs replay the same schedules.
        const label = fleet === 0 ? `clients-${index}` : `clients-${fleet}-${index}`;
        const config: ClientsConfig = {
          randomSeed: rng.fork(label).seed,
          pods: chunk,
          services: this.plan.dns,
          privilegedPortOffset: this.plan.addresses.privilegedPortOffset,
          clusterDomain: CLUSTER_DOMAIN,
        };
        return this.host.start(clientPods, label, config);
      }),
    );
    return new LocalClientFleet(handles, this.host);
  }

  /** The replicas that exist now (ready or not), in creation order. */
  replicaEndpoints(): Endpoint[] {
    return this.endpoints.replicaNames().map((name) => this.replicaEndpointOf(name));
  }

  async members(): Promise<ClusterMembers> {
    const byIndex = (a: string, b: string) => indexOf(a) - indexOf(b);
    return {
      replicas: this.endpoints.replicaNames().sort(byIndex),
      gatewayPods: this.gateways
        .pods()
        .map((p) => p.name)
        .sort(byIndex),
    };
  }

  /** The replicas under test (as the endpoints controller knows them now), then every neighbour's (they never change). */
  replicaMetrics(): MetricsEndpoint[] {
    return [...this.shoot.metrics(this.endpoints.replicaNames()), ...this.neighbours.flatMap((n) => n.metrics(n.plan.replicas.map((r) => r.name)))];
  }

  async replicaConnections(): Promise<Record<string, number>> {
    const all = await Promise.all([this.shoot, ...this.neighbours].map((s) => s.connections()));
    return Object.assign({}, ...all) as Record<string, number>;
  }

  async apply(change: TopologyChange): Promise<ChangeOutcome> {
    const { final, elapsed, done } = changeRecorder(change);
    switch (change.type) {
      case 'add-apiserver': {
        const index = this.nextReplicaIndex();
        const endpoint = replicaEndpoint(this.plan.addresses, index);
        await this.shoot.apiserver.remote.addReplica(endpoint);
        this.endpoints.add(endpoint);
        await this.endpoints.publishWhenReady(endpoint.name, READY_DEADLINE_MS);
        return done(`${endpoint.name} added and ready at ${endpoint.ip}:${endpoint.port}`, elapsed());
      }
      case 'remove-apiserver':
        await this.endpoints.withdraw(change.replica, true);
        final.push(await this.shoot.apiserver.remote.removeReplica(change.replica));
        await this.endpoints.remove(change.replica);
        this.shoot.forget(change.replica);
        return done(`${change.replica} deleted; its connections were reset`);
      case 'stop-apiserver':
        final.push(await this.stopReplica(change.replica, change.mode));
        return done(`${change.replica} stopped (${change.mode})`);
      case 'start-apiserver':
        await this.shoot.apiserver.remote.startReplica(change.replica);
        return done(`${change.replica} started and ready`, await this.endpoints.publishWhenReady(change.replica, READY_DEADLINE_MS));
      case 'restart-apiserver': {
        final.push(await this.stopReplica(change.replica, change.mode));
        await this.shoot.apiserver.remote.startReplica(change.replica);
        await this.endpoints.publishWhenReady(change.replica, READY_DEADLINE_MS);
        return done(`${change.replica} restarted (${change.mode}) and ready`, elapsed());
      }
      case 'add-gateway': {
        const index = this.nextGatewayIndex();
        const endpoint = gatewayEndpoint(index, this.plan.addresses);
        await this.gateways.add(endpoint, index, this.endpoints.readyReplicas());
        await this.endpoints.setGatewayPods(this.gatewayPods, false);
        return done(`${endpoint.name} added at ${endpoint.ip}:${endpoint.port}`, elapsed());
      }
      case 'remove-gateway': {
        if (!this.gateways.has(change.pod)) throw new Error(`unknown gateway pod "${change.pod}" (known: ${this.gatewayPods.map((p) => p.name).join(', ')})`);
        // Out of the gateway Service's endpoints first (kube-proxy resets its flows), then the pod goes.
        await this.endpoints.setGatewayPods(
          this.gatewayPods.filter((p) => p.name !== change.pod),
          true,
        );
        await this.gateways.remove(change.pod);
        return done(`${change.pod} deleted; its connections were reset`);
      }
      case 'stop-webhook':
        if (this.webhook) await this.host.stop(this.webhook);
        this.webhook = undefined;
        return done('webhook server stopped: pod admission now fails closed (failurePolicy Fail)');
      case 'start-webhook':
        this.webhook ??= await this.host.start(webhookPod, 'webhook', this.components.webhook);
        return done(`webhook server serving at ${this.webhook.info.url}`);
      case 'delete-seed-object':
        await this.seed.delete(this.seedObject(change.object));
        return done(`${change.object} deleted`);
      case 'recreate-seed-object':
        await this.seed.create(this.seedObject(change.object));
        return done(`${change.object} created`);
      case 'set-kubeconfig-server': {
        const kubeconfig = genericKubeconfigFor(this.plan.namespace, this.plan.publicHost, change.address);
        await this.seed.create(genericKubeconfigSecret(this.plan, kubeconfig, this.issued.underTest.pems));
        this.shoot.genericKubeconfig = kubeconfig;
        return done(`generic token kubeconfig now ${kubeconfig.secretName} (server ${kubeconfig.server}); pods created from now on mount it`);
      }
      case 'set-namespace-alias': {
        const service = this.plan.services.gatewayInternal;
        const label = internalGatewayPolicyLabel(change.alias ?? this.plan.istioNamespace);
        await this.kubeProxy.remote.setRequiredPodLabel(`${service.namespace}/${service.name}`, label);
        return done(
          change.alias
            ? `${service.name} annotated with namespace alias ${change.alias}: new connections need the label ${label}=allowed`
            : `${service.name} has no namespace alias: new connections need the label ${label}=allowed`,
        );
      }
    }
  }

  async networkStats(): Promise<NetworkStats> {
    return {
      kubeProxy: await this.kubeProxy.remote.stats(),
      gateways: await this.gateways.stats(),
    };
  }

  async componentHealth(reset = false): Promise<ComponentHealth[]> {
    const workers = await Promise.all(
      this.host.components().map(async ({ kind, handle }) => ({ component: handle.name, kind, ...(await handle.health(reset)) })),
    );
    // The seed kube-apiserver, the scrapes and the run's bookkeeping share this thread; swapped-in real processes last.
    return [...workers, { component: 'runner', kind: 'host', ...this.hostThread.read(reset) }, ...(await this.gateways.health(reset))];
  }

  async machineCpu(reset = false): Promise<MachineCpu | undefined> {
    if (reset) this.machine?.reset();
    return this.machine?.read();
  }

  async close(): Promise<void> {
    for (const shoot of [this.shoot, ...this.neighbours]) shoot.close();
    this.hostThread.close();
    const errors = await this.teardown.run();
    if (errors.length > 0) throw new AggregateError(errors, `cluster teardown: ${errors.map((e) => e.message).join('; ')}`);
  }

  private async stopReplica(name: string, mode: 'kill' | 'graceful'): Promise<{ replica: string; text: string }> {
    if (mode === 'graceful') {
      // A terminating pod leaves the endpoints first; its process then drains with GOAWAY.
      await this.endpoints.withdraw(name, false);
      return this.shoot.apiserver.remote.stopReplica(name, 'graceful');
    }
    // A killed process resets its connections; the endpoint goes when the kubelet notices.
    const final = await this.shoot.apiserver.remote.stopReplica(name, 'kill');
    await this.endpoints.withdraw(name, true);
    return final;
  }

  private seedObject(id: string): SeedObject {
    // Timeline events change the control plane under test (docs/scenarios.md#shared-gateway).
    const own = this.issued.underTest.seedObjects;
    const object = own.find((o) => o.id === id);
    if (!object) throw new Error(`the plan of mode ${this.plan.mode.name} has no seed object "${id}" (it has: ${own.map((o) => o.id).join(', ')})`);
    return object;
  }

  /** The control plane a client group's pods belong to: the one under test, or a neighbour (group.controlPlane). */
  private controlPlaneOf(group: ClientGroup): ShootControlPlane {
    if (group.controlPlane === undefined) return this.shoot;
    const neighbour = this.neighbours.find((n) => n.plan.neighbour?.name === group.controlPlane);
    if (!neighbour) throw new Error(`client group ${group.name}: no neighbour control plane "${group.controlPlane}" in this cluster`);
    return neighbour;
  }

  private replicaEndpointOf(name: string): Endpoint {
    return replicaEndpoint(this.plan.addresses, indexOf(name));
  }

  private nextReplicaIndex(): number {
    for (let i = 0; i < MAX_REPLICAS; i++) if (!this.endpoints.has(`${KUBE_APISERVER_SERVICE_NAME}-${i}`)) return i;
    throw new Error(`a control plane has at most ${MAX_REPLICAS} replicas here`);
  }

  private nextGatewayIndex(): number {
    for (let i = 0; ; i++) if (!this.gateways.has(gatewayEndpoint(i, this.plan.addresses).name)) return i;
  }
}

/** The gateway pods: simulated in worker threads, or real Envoy processes with `--components gateway=envoy`. */
function startGateways(host: ComponentHost, plan: ClusterPlan, issued: IssuedPlan, swaps: ComponentSwaps): Promise<GatewaySet> {
  if (swaps.gateway === 'envoy') {
    const binary = locateBinary('envoy');
    if (!binary) return Promise.reject(new Error(missingBinaryMessage('envoy')));
    return EnvoyGateways.start({ plan, issued, binary });
  }
  const neighbourPems = issued.neighbours.map((n) => n.pems);
  const configFor = (endpoint: Endpoint, index: number) => gatewayPodConfig(plan, issued.underTest.pems, endpoint, index, neighbourPems);
  return SimulatedGateways.start(host, issued.components.gateways, configFor);
}

/**
 * The seed objects of every control plane: the one under test's first, in order (the webhook registration last),
 * then the neighbours' in parallel, each in its own order, as Gardener reconciles shoots side by side.
 */
async function createSeedObjects(seed: SeedCluster, issued: IssuedPlan): Promise<void> {
  for (const object of issued.underTest.seedObjects) await seed.create(object);
  await Promise.all(
    issued.neighbours.map(async (n) => {
      for (const object of n.seedObjects) await seed.create(object);
    }),
  );
}

class LocalClientFleet implements ClientFleet {
  constructor(
    private readonly handles: ClientsHandle[],
    private readonly host: ComponentHost,
  ) {}

  async prepare(): Promise<PrepareResult> {
    const prepared = await Promise.all(this.handles.map((h) => h.remote.prepare()));
    return { answered: prepared.reduce((sum, p) => sum + p.answered, 0), failed: prepared.flatMap((p) => p.failed) };
  }

  async run(options: RunOptions) {
    const maxRequests = Math.ceil(options.maxRequests / this.handles.length);
    const results = await Promise.all(this.handles.map((h) => h.remote.run({ ...options, maxRequests })));
    return results.flat();
  }

  async setGroup(group: string, change: GroupChange): Promise<void> {
    await Promise.all(this.handles.map((h) => h.remote.setGroup(group, change)));
  }

  async stopPods(pods: string[]): Promise<void> {
    await Promise.all(this.handles.map((h) => h.remote.stopPods(pods)));
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => this.host.stop(h)));
  }
}
