// A kind run's cluster for one mode (a RunningCluster of scripts/targets/target.ts; docs/kind.md#a-scenario-run-per-mode):
// start() brings the control plane under test (and each neighbour's, docs/scenarios.md#shared-gateway;
// kindControlPlane.ts) up from the plan (plans.ts, run by executor.ts); the client pods are admitted through the
// webhook, one `kubectl create` each; every kube-apiserver pod's /metrics is scraped through a port-forward; the
// timeline's topology changes become kubectl actions (planChange); close() removes what the run created.
import path from 'node:path';
import type { ClientGroup } from '../../../scenarios/schema.ts';
import { clientBehaviour } from '../../cluster/clientPod.ts';
import { changeRecorder, type ChangeOutcome, type ChangeRecorder, type TopologyChange } from '../../cluster/changes.ts';
import { GRM_NAMESPACE } from '../../cluster/gardener.ts';
import { genericKubeconfigFor, type ClusterPlan } from '../../cluster/plan.ts';
import { Rng } from '../../core/random.ts';
import { pollUntil } from '../../core/poll.ts';
import type {
  ClientFleet,
  ClusterMembers,
  ComponentHealth,
  MetricsEndpoint,
  NetworkStats,
  PodAdmission,
  RunningCluster,
  TargetStartOptions,
} from '../target.ts';
import { KindClientFleet } from './clientFleet.ts';
import { executePlan } from './executor.ts';
import { KindControlPlane, type PortForwards } from './kindControlPlane.ts';
import { FLEET_LABEL, renderContexts, type RenderContext } from './manifests/common.ts';
import { GATEWAY_DEPLOYMENT } from './manifests/istio.ts';
import { fleetPodObjects } from './manifests/workloads.ts';
import { KUBECTL_CONCURRENCY as CONCURRENCY, mapLimited } from './mapLimited.ts';
import type { ResolvedKindOptions } from './options.ts';
import {
  changeObjectFile,
  type ChangeContext,
  GATEWAY_POD_LABELS,
  KUBE_APISERVER_POD_LABELS,
  planChange,
  planClientPods,
  planControlPlane,
  planControlPlaneTeardown,
  planForKind,
  planRegistrationRemoval,
} from './plans.ts';
import { preflightProblems } from './preflight.ts';
import { INTERNAL_SERVICE_NAME } from '../../../webhook/constants.ts';
import { internalGatewayPolicyLabel } from '../../../webhook/networkPolicyLabel.ts';
import { parsePodList, Roster } from './roster.ts';
import { parseServerError } from './serverError.ts';
import { seedFlags, type CommandPlan, type SeedAccess } from './steps.ts';
import { ToolFailedError, type ToolRunner } from './tools.ts';
import type { ClientPodSpec } from '../../core/clientPod.ts';

/** How long the initial fleet's warm-up keeps trying while the path to the apiservers comes up. */
const INITIAL_WARM_UP_RETRY_MS = 90_000;
/** How long close() may take: the registration, the fleets' pods and each control plane, a few kubectl calls each. */
export const CLOSE_TIMEOUT_MS = 120_000;

export class KindCluster implements RunningCluster {
  private readonly gateways = new Roster(GATEWAY_DEPLOYMENT);
  private fleets = 0;
  private loadStarted = false;
  private readonly podGenerations = new Map<string, number>();
  private readonly openFleets = new Set<KindClientFleet>();

  private constructor(
    readonly plan: ClusterPlan,
    readonly startupMs: number,
    /** The control plane under test. */
    private readonly shoot: KindControlPlane,
    /** The neighbour control planes behind the same gateway (docs/scenarios.md#shared-gateway). */
    private readonly neighbours: KindControlPlane[],
    private readonly o: ResolvedKindOptions,
    private readonly runner: ToolRunner,
    private readonly access: SeedAccess,
    private readonly log: (line: string) => void,
  ) {}

  private get ctx(): RenderContext {
    return this.shoot.ctx;
  }

  private get replicas(): Roster {
    return this.shoot.replicas;
  }

  private get forwards(): PortForwards {
    return this.shoot.forwards;
  }

  static async start(
    requested: ClusterPlan,
    o: ResolvedKindOptions,
    runner: ToolRunner,
    log: (line: string) => void = () => undefined,
    options: TargetStartOptions = {},
  ): Promise<KindCluster> {
    const started = performance.now();
    // Also when nobody ran preflight() first (a programmatic run): nothing is created on a machine that cannot run it.
    const problems = await preflightProblems(runner, o);
    if (problems.length > 0) throw new Error(`the ${o.target} target cannot run here:\n  ${problems.join('\n  ')}`);
    const plan = planForKind(requested, o);
    const access: SeedAccess = { kubeconfig: o.kubeconfig, context: o.context };
    const [shoot, ...neighbours] = (await renderContexts(plan, o)).map((ctx) => new KindControlPlane(ctx, runner, access));
    const workDir = path.resolve(o.workDir);
    const cluster = new KindCluster(plan, 0, shoot!, neighbours, o, runner, access, log);
    // Ctrl-C while the control planes come up removes what is there so far (the runner registers close() once started).
    const unregister = options.registerCleanup?.(() => cluster.close(), CLOSE_TIMEOUT_MS);
    try {
      // The control plane under test first: it brings the seed-wide parts (webhook, gateway settings, registration).
      for (const controlPlane of [shoot!, ...neighbours])
        await executePlan(planControlPlane(controlPlane.ctx, access), { runner, workDir, log, runtime: () => controlPlane.shootKubeconfig(workDir) });
      await cluster.initRosters();
    } catch (error) {
      // The registration goes (a webhook that may not serve must not refuse pods); the rest stays to be looked at,
      // and the next run, or `npm run cluster:clean`, removes it.
      await executePlan({ steps: [planRegistrationRemoval(access)], files: [] }, { runner, workDir, log }).catch(() => undefined);
      await Promise.all([shoot!, ...neighbours].map((c) => c.forwards.close()));
      throw error;
    } finally {
      unregister?.();
    }
    return Object.assign(cluster, { startupMs: performance.now() - started });
  }

  private kubectl(args: string[], timeoutMs = 60_000) {
    return this.runner.run('kubectl', [...seedFlags(this.access), ...args], { timeoutMs });
  }

  private async pods(namespace: string, selector: string) {
    return parsePodList((await this.kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json'])).stdout);
  }

  /** Names the replica and gateway pods that exist once the control plane is up, oldest first. */
  private async initRosters(): Promise<void> {
    for (const controlPlane of [this.shoot, ...this.neighbours]) {
      const replicas = (await this.pods(controlPlane.plan.namespace, KUBE_APISERVER_POD_LABELS)).filter((p) => !p.deleting);
      controlPlane.replicas.assign(replicas.map((p) => p.name));
    }
    const gateways = (await this.pods(this.plan.istioNamespace, GATEWAY_POD_LABELS)).filter((p) => !p.deleting);
    this.gateways.assign(gateways.map((p) => p.name));
  }

  /** Waits for a ready pod that no name has had yet and gives it `name`. */
  private async adoptNew(roster: Roster, namespace: string, selector: string, name: string): Promise<string> {
    const ready = await pollUntil(
      async () => roster.newPods((await this.pods(namespace, selector)).filter((p) => p.ready && !p.deleting).map((p) => p.name)),
      (pods) => pods.length > 0,
      { timeoutMs: this.o.readyTimeoutMs, intervalMs: 1000, what: `a new ready pod for ${name}` },
    );
    roster.adopt(name, ready[0]!);
    return ready[0]!;
  }

  private async waitGone(namespace: string, selector: string, pod: string): Promise<void> {
    await pollUntil(
      async () => (await this.pods(namespace, selector)).some((p) => p.name === pod),
      (exists) => !exists,
      { timeoutMs: this.o.readyTimeoutMs, intervalMs: 1000, what: `pod ${pod} to be gone` },
    );
  }

  async members(): Promise<ClusterMembers> {
    return { replicas: this.replicas.names(), gatewayPods: this.gateways.names() };
  }

  async admitClientPods(groups: ClientGroup[]): Promise<PodAdmission> {
    const fleet = `f${this.fleets++}-${this.plan.mode.name}`;
    const rng = new Rng(this.plan.randomSeed);
    const admission: PodAdmission = { admitted: [], rejected: [] };
    // Each control plane's pods in its own namespace, with its own generic kubeconfig (one fleet label over all).
    for (const controlPlane of [this.shoot, ...this.neighbours]) {
      const mine = groups.filter((g) => g.controlPlane === controlPlane.plan.neighbour?.name);
      if (mine.length === 0) continue;
      const admitted = await this.admitInto(controlPlane, mine, fleet, rng);
      admission.admitted.push(...admitted.admitted);
      admission.rejected.push(...admitted.rejected);
    }
    return admission;
  }

  private async admitInto(controlPlane: KindControlPlane, groups: ClientGroup[], fleet: string, rng: Rng): Promise<PodAdmission> {
    const plan = controlPlane.plan;
    const ns = plan.namespace;
    const genericKubeconfig = controlPlane.genericKubeconfig;
    const wanted: { name: string; group: ClientGroup }[] = [];
    for (const group of groups) {
      const generation = this.podGenerations.get(group.name) ?? 0;
      this.podGenerations.set(group.name, generation + 1);
      for (let i = 0; i < group.count; i++) wanted.push({ name: generation === 0 ? `${group.name}-${i}` : `${group.name}-g${generation}-${i}`, group });
    }
    const objects = fleetPodObjects(wanted, { name: fleet, namespace: ns, genericKubeconfig, rng, options: this.o });
    const podPlan = planClientPods(this.access, ns, fleet, objects, this.o.readyTimeoutMs);
    const admission: PodAdmission = { admitted: [], rejected: [] };
    if (wanted.length === 0) return admission;
    const workDir = path.resolve(this.o.workDir);
    await executePlan({ steps: [], files: podPlan.files }, { runner: this.runner, workDir });
    const created: string[] = [];
    await mapLimited(wanted, CONCURRENCY, async (w, i) => {
      try {
        await this.runner.run(
          'kubectl',
          podPlan.steps[i]!.args.map((a) => (typeof a === 'string' ? a : path.join(workDir, (a as { file: string }).file))),
          {
            timeoutMs: podPlan.steps[i]!.timeoutMs,
          },
        );
        created.push(w.name);
      } catch (error) {
        if (!(error instanceof ToolFailedError)) throw error;
        const parsed = parseServerError(error.result.stderr);
        admission.rejected.push({ pod: `${ns}/${w.name}`, group: w.group.name, code: parsed.code, message: parsed.message });
      }
    });
    if (created.length === 0) return admission;
    const states = await pollUntil(
      async () => (await this.pods(ns, `${FLEET_LABEL}=${fleet}`)).filter((p) => created.includes(p.name)),
      (pods) => pods.length === created.length && pods.every((p) => p.ready),
      { timeoutMs: this.o.readyTimeoutMs, intervalMs: 1000, what: `client pods of ${fleet} in ${ns} to be ready` },
    );
    const ca = controlPlane.ctx.pems.authority('ca');
    for (const w of wanted) {
      const state = states.find((s) => s.name === w.name);
      if (!state) continue;
      admission.admitted.push({
        name: w.name,
        group: w.group.name,
        namespace: ns,
        ip: state.ip ?? '',
        labels: state.labels,
        hostAliases: state.hostAliases,
        kubeconfig: { server: genericKubeconfig.server, caPem: ca, token: plan.tokens.clientGroups[w.group.name] ?? '' },
        ...clientBehaviour(w.group),
      });
    }
    return admission;
  }

  async startClients(pods: ClientPodSpec[]): Promise<ClientFleet> {
    const fleet = new KindClientFleet(pods, this.runner, this.access, this.loadStarted ? 0 : INITIAL_WARM_UP_RETRY_MS, () => {
      this.loadStarted = true;
    });
    this.openFleets.add(fleet);
    return fleet;
  }

  /** The replicas under test, then every neighbour's, each scraped through a port-forward to its pod. */
  replicaMetrics(): MetricsEndpoint[] {
    return [this.shoot, ...this.neighbours].flatMap((c) => c.metrics());
  }

  /** Scrapes a terminating pod until it stops answering: its last text holds every request it counted. */
  private async scrapeUntilGone(pod: string, alsoWhile: Promise<unknown>): Promise<string | undefined> {
    let last: string | undefined;
    let done = false;
    void alsoWhile.finally(() => (done = true));
    for (;;) {
      try {
        last = await this.shoot.scrapePod(pod);
      } catch {
        if (done || last !== undefined) break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    await this.forwards.closeOne(`pod/${pod}`);
    return last;
  }

  async replicaConnections(): Promise<undefined> {
    // kube-apiserver exports no per-connection metric, and a real pod's sockets are not visible from here.
    return undefined;
  }

  async apply(change: TopologyChange): Promise<ChangeOutcome> {
    const { final, elapsed, done } = changeRecorder(change);
    const ns = this.plan.namespace;
    const istioNs = this.plan.istioNamespace;
    const run = (plan: CommandPlan) => executePlan(plan, { runner: this.runner, workDir: path.resolve(this.o.workDir), log: this.log });
    const base = { access: this.access, namespace: ns, istioNamespace: istioNs, webhookReplicas: 2 };
    switch (change.type) {
      case 'add-apiserver': {
        const name = this.replicas.nextName();
        await run(planChange(change, { ...base, count: this.replicas.size }));
        const pod = await this.adoptNew(this.replicas, ns, KUBE_APISERVER_POD_LABELS, name);
        return done(`${name} added: pod ${pod} ready`, elapsed());
      }
      case 'remove-apiserver': {
        const pod = this.replicas.podOf(change.replica);
        const removing = run(planChange(change, { ...base, count: this.replicas.size, pod }));
        const text = pod
          ? await this.scrapeUntilGone(
              pod,
              removing.then(() => this.waitGone(ns, KUBE_APISERVER_POD_LABELS, pod)),
            )
          : undefined;
        await removing;
        if (text) final.push({ replica: change.replica, text });
        this.replicas.remove(change.replica);
        return done(`${change.replica} (pod ${pod}) deleted by scaling the Deployment down`);
      }
      case 'stop-apiserver':
      case 'restart-apiserver': {
        const pod = this.replicas.release(change.replica);
        if (change.mode === 'kill' && pod) {
          const text = await this.shoot.scrapePod(pod).catch(() => undefined);
          if (text) final.push({ replica: change.replica, text });
          await run(planChange(change, { ...base, count: this.replicas.size, pod }));
          await this.forwards.closeOne(`pod/${pod}`);
        } else if (pod) {
          const deleting = run(planChange(change, { ...base, count: this.replicas.size, pod }));
          const text = await this.scrapeUntilGone(
            pod,
            deleting.then(() => this.waitGone(ns, KUBE_APISERVER_POD_LABELS, pod)),
          );
          await deleting;
          if (text) final.push({ replica: change.replica, text });
        }
        if (change.type === 'stop-apiserver') return done(`${change.replica} (pod ${pod}) deleted (${change.mode}); the Deployment replaces it`);
        const successor = await this.adoptNew(this.replicas, ns, KUBE_APISERVER_POD_LABELS, change.replica);
        return done(`${change.replica} restarted (${change.mode}): pod ${pod} replaced by ${successor}, ready`, elapsed());
      }
      case 'start-apiserver': {
        const successor = await this.adoptNew(this.replicas, ns, KUBE_APISERVER_POD_LABELS, change.replica);
        return done(`${change.replica} back: pod ${successor} ready`, elapsed());
      }
      case 'add-gateway': {
        const name = this.gateways.nextName();
        await run(planChange(change, { ...base, count: this.gateways.size }));
        const pod = await this.adoptNew(this.gateways, istioNs, GATEWAY_POD_LABELS, name);
        return done(`${name} added: pod ${pod} ready`, elapsed());
      }
      case 'remove-gateway': {
        const pod = this.gateways.podOf(change.pod);
        await run(planChange(change, { ...base, count: this.gateways.size, pod }));
        if (pod) await this.waitGone(istioNs, GATEWAY_POD_LABELS, pod);
        this.gateways.remove(change.pod);
        return done(`${change.pod} (pod ${pod}) deleted by scaling the gateway down`);
      }
      case 'stop-webhook':
        await run(planChange(change, { ...base, count: 0 }));
        await pollUntil(
          () => this.pods(GRM_NAMESPACE, 'app=gardener-resource-manager'),
          (pods) => pods.length === 0,
          {
            timeoutMs: this.o.readyTimeoutMs,
            intervalMs: 1000,
            what: 'the webhook pods to be gone',
          },
        );
        return done('webhook scaled to 0: pod admission in shoot namespaces now fails closed (failurePolicy Fail)');
      case 'start-webhook':
        await run(planChange(change, { ...base, count: 0 }));
        return done('webhook serving again', elapsed());
      case 'delete-seed-object':
        await run(planChange(change, { ...base, count: 0 }));
        return done(`${change.object} deleted`);
      case 'recreate-seed-object':
      case 'set-kubeconfig-server': {
        const objectFile = changeObjectFile(change, this.ctx, `${ns}/changes`);
        if (!objectFile) throw new Error(`the plan of mode ${this.plan.mode.name} has no seed object for ${JSON.stringify(change)}`);
        await run(planChange(change, { ...base, count: 0, objectFile }));
        if (change.type === 'recreate-seed-object') return done(`${change.object} created`);
        const kubeconfig = genericKubeconfigFor(ns, this.plan.publicHost, change.address);
        this.shoot.genericKubeconfig = kubeconfig;
        return done(`generic token kubeconfig now ${kubeconfig.secretName} (server ${kubeconfig.server}); pods created from now on mount it`);
      }
      case 'set-namespace-alias':
        return this.setNamespaceAlias(change, base, run, done);
    }
  }

  /** GRM's part (plans.ts namespaceAliasSteps): the Service's annotation and every control plane's gateway egress policy. */
  private async setNamespaceAlias(
    change: Extract<TopologyChange, { type: 'set-namespace-alias' }>,
    base: Omit<ChangeContext, 'count'>,
    run: (plan: CommandPlan) => Promise<unknown>,
    done: ChangeRecorder['done'],
  ): Promise<ChangeOutcome> {
    const objectFile = changeObjectFile(
      change,
      this.ctx,
      `${this.plan.namespace}/changes`,
      this.neighbours.map((n) => n.plan),
    );
    await run(planChange(change, { ...base, count: 0, objectFile }));
    const label = internalGatewayPolicyLabel(change.alias ?? this.plan.istioNamespace);
    return done(
      `${INTERNAL_SERVICE_NAME} ${change.alias ? `annotated with namespace alias ${change.alias}` : 'has no namespace alias'}: the gateway egress policies now select ${label}=allowed`,
    );
  }

  async networkStats(): Promise<NetworkStats> {
    // Real kube-proxy and Envoy keep their counters to themselves here; the replicas' /metrics carry the measurement.
    return { kubeProxy: [], gateways: [] };
  }

  async machineCpu(): Promise<undefined> {
    // The cluster's pods (kube-apiservers, Envoy, load clients) are other processes, here or on other machines: this
    // machine's busy share would not say whether the measurement was held back.
    return undefined;
  }

  async componentHealth(): Promise<ComponentHealth[]> {
    // No simulator threads run here, so there is nothing of the self-check's to read.
    return [];
  }

  /** Ctrl-C waits this long for close() (scripts/runner/interrupts.ts): a few kubectl calls, each bounded. */
  readonly closeTimeoutMs = CLOSE_TIMEOUT_MS;

  /**
   * Removes what the run created (docs/kind.md#ctrl-c): the webhook registration first (failurePolicy Fail: once
   * the webhook goes, every pod created in a shoot namespace would be refused), then the client pods, the
   * port-forwards, and each control plane, neighbours first. A failed step does not stop the others; the first
   * failure is thrown at the end.
   */
  async close(): Promise<void> {
    const failures: unknown[] = [];
    // Step by step: a step that fails (an object already gone, a timeout) must not keep the next ones from running.
    const run = async (plan: CommandPlan) => {
      for (const step of plan.steps)
        await executePlan({ steps: [step], files: plan.files }, { runner: this.runner, workDir: path.resolve(this.o.workDir), log: this.log }).catch(
          (error: unknown) => void failures.push(error),
        );
    };
    await run({ steps: [planRegistrationRemoval(this.access)], files: [] });
    await Promise.allSettled([...this.openFleets].map((f) => f.close()));
    this.openFleets.clear();
    for (const controlPlane of [...this.neighbours, this.shoot]) {
      await controlPlane.forwards.close();
      await run(planControlPlaneTeardown(this.access, controlPlane.plan.namespace, controlPlane.plan.istioNamespace, false, false));
    }
    if (failures.length > 0) throw failures[0];
  }
}
