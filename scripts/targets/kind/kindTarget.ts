// The kind target (docs/kind.md): the same plan on a real cluster with Istio, real kube-apiservers and the deployed
// webhook. `createKindTarget(options)` is a Target (scripts/targets/target.ts): start() brings one mode's control plane
// (and each neighbour's, docs/scenarios.md#shared-gateway; kindControlPlane.ts) up from the plan (plans.ts, run by
// executor.ts), admits the client pods through the webhook, drives the load clients over their control port,
// scrapes every kube-apiserver pod's /metrics through a port-forward, and maps the topology changes to kubectl actions.
// It loads no simulator code (the load client runs in the pods).
import path from 'node:path';
import type { ClientPodSpec, ClientRunResult, PodPrepared, PrepareResult, RunOptions } from '../../../sim/clients/types.ts';
import type { ClientGroup, Scenario } from '../../../scenarios/schema.ts';
import type { PemSource } from '../../cluster/certificates.ts';
import { clientBehaviour } from '../../cluster/clientPod.ts';
import { changeRecorder, type ChangeOutcome, type TopologyChange } from '../../cluster/changes.ts';
import { GRM_NAMESPACE } from '../../cluster/gardener.ts';
import { genericKubeconfigFor, type ClusterPlan } from '../../cluster/plan.ts';
import { Rng } from '../../cluster/random.ts';
import { pollUntil } from '../../runner/poll.ts';
import type {
  ClientFleet,
  ClusterMembers,
  ComponentHealth,
  GroupChange,
  MetricsEndpoint,
  NetworkStats,
  PodAdmission,
  RunningCluster,
  Target,
  TargetStartOptions,
} from '../target.ts';
import { checkScenarioForKind } from './check.ts';
import { executePlan } from './executor.ts';
import { CONTROL_PATHS, controlPath, podProxyPath } from './loadClient/protocol.ts';
import { KindControlPlane, type PortForwards } from './kindControlPlane.ts';
import { FLEET_LABEL, renderContexts, type RenderContext } from './manifests/common.ts';
import { GATEWAY_DEPLOYMENT } from './manifests/istio.ts';
import { fleetPodObjects } from './manifests/workloads.ts';
import { resolveKindOptions, type KindTargetOptions, type ResolvedKindOptions } from './options.ts';
import {
  changeObjectFile,
  GATEWAY_POD_LABELS,
  KUBE_APISERVER_POD_LABELS,
  planChange,
  planClientPods,
  planControlPlane,
  planControlPlaneTeardown,
  planForKind,
  UNSUPPORTED_CHANGES,
} from './plans.ts';
import { checkClusterReachable, checkPrerequisites } from './prerequisites.ts';
import { parsePodList, podState, Roster } from './roster.ts';
import { seedFlags, type CommandPlan, type SeedAccess } from './steps.ts';
import { execaRunner, ToolFailedError, type ToolRunner } from './tools.ts';

/** At most this many kubectl calls at once (client pod creation and control calls). */
const CONCURRENCY = 8;
/** How long the initial fleet's warm-up keeps trying while the path to the apiservers comes up. */
const INITIAL_WARM_UP_RETRY_MS = 90_000;

export function createKindTarget(options: KindTargetOptions = {}): Target {
  const resolved = resolveKindOptions(options);
  const runner = options.runner ?? execaRunner();
  return {
    name: resolved.target,
    check: (scenario: Scenario) => checkScenarioForKind(scenario, resolved),
    preflight: () => runProblems(runner, resolved),
    start: (plan: ClusterPlan, startOptions?: TargetStartOptions) => KindCluster.start(plan, resolved, runner, options.log, startOptions),
  };
}

/**
 * What keeps a run from starting on this machine, one line each (none: it can run): the tools and their versions,
 * for --target kind that the kind cluster exists, and that kubectl reaches the cluster's API server.
 */
async function runProblems(runner: ToolRunner, o: ResolvedKindOptions): Promise<string[]> {
  const prerequisites = await checkPrerequisites(runner, o.target === 'kind' ? 'kind-run' : 'cluster-run');
  if (!prerequisites.ok) return prerequisites.problems;
  if (o.target === 'kind') {
    const clusters = await runner.run('kind', ['get', 'clusters'], { timeoutMs: 30_000 });
    if (!clusters.stdout.split('\n').some((l) => l.trim() === o.clusterName))
      return [`there is no kind cluster "${o.clusterName}": create it with \`npm run cluster:up\` (or pass --target cluster --kubeconfig <file>)`];
  }
  const advice =
    o.target === 'kind'
      ? `is the kind cluster "${o.clusterName}" running? \`npm run cluster:up\` (re)creates it`
      : 'pass --kubeconfig <file> (and --context <name>) of a running cluster, or use --target kind after `npm run cluster:up`';
  const unreachable = await checkClusterReachable(runner, seedFlags(o), advice);
  return unreachable ? [unreachable] : [];
}

/** Maps kubectl's "Error from server (Reason): message" to the HTTP code kube-apiserver answered with. */
export function parseServerError(stderr: string): { code: number; reason: string; message: string } {
  const match = /Error from server \(([A-Za-z]+)\):\s*(?:error when creating "[^"]*":\s*)?([\s\S]*)/.exec(stderr);
  const reason = match?.[1] ?? 'Unknown';
  const codes: Record<string, number> = {
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    AlreadyExists: 409,
    Conflict: 409,
    Invalid: 422,
    TooManyRequests: 429,
    InternalError: 500,
    ServiceUnavailable: 503,
    Timeout: 504,
  };
  return { code: codes[reason] ?? 500, reason, message: (match?.[2] ?? stderr).trim() };
}

/** Runs `fn` over `items` with at most `limit` at once, in order of the results. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

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
    _options?: TargetStartOptions,
  ): Promise<KindCluster> {
    const started = performance.now();
    // Also when nobody ran preflight() first (a programmatic run): nothing is created on a machine that cannot run it.
    const problems = await runProblems(runner, o);
    if (problems.length > 0) throw new Error(`the ${o.target} target cannot run here:\n  ${problems.join('\n  ')}`);
    const plan = planForKind(requested, o);
    const access: SeedAccess = { kubeconfig: o.kubeconfig, context: o.context };
    const [shoot, ...neighbours] = (await renderContexts(plan, o)).map((ctx) => new KindControlPlane(ctx, runner, access));
    const workDir = path.resolve(o.workDir);
    const cluster = new KindCluster(plan, 0, shoot!, neighbours, o, runner, access, log);
    try {
      // The control plane under test first: it brings the seed-wide parts (webhook, gateway settings, registration).
      for (const controlPlane of [shoot!, ...neighbours])
        await executePlan(planControlPlane(controlPlane.ctx, access), { runner, workDir, log, runtime: () => controlPlane.shootKubeconfig(workDir) });
      await cluster.initRosters();
    } catch (error) {
      await Promise.all([shoot!, ...neighbours].map((c) => c.forwards.close()));
      throw error;
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
        throw new Error(UNSUPPORTED_CHANGES['set-namespace-alias']);
    }
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

  async close(): Promise<void> {
    await Promise.allSettled([...this.openFleets].map((f) => f.close()));
    this.openFleets.clear();
    for (const controlPlane of [...this.neighbours, this.shoot]) {
      await controlPlane.forwards.close();
      const { namespace, istioNamespace } = controlPlane.plan;
      await executePlan(planControlPlaneTeardown(this.access, namespace, istioNamespace, false, controlPlane.plan.neighbour ? 'neighbour' : 'under-test'), {
        runner: this.runner,
        workDir: path.resolve(this.o.workDir),
        log: this.log,
      });
    }
  }

  /** For tests and logs: the rendered context (plan, certificates, secrets). */
  get renderContext(): RenderContext {
    return this.ctx;
  }
}

/** Client pods driven over their control port through the seed API server's pod proxy (loadClient/protocol.ts). */
export class KindClientFleet implements ClientFleet {
  private readonly stopped = new Set<string>();

  constructor(
    /** Each pod in its own control plane's namespace (pod.namespace). */
    private readonly pods: ClientPodSpec[],
    private readonly runner: ToolRunner,
    private readonly access: SeedAccess,
    private readonly warmUpRetryMs: number,
    private readonly onRun: () => void,
  ) {}

  private async control<T>(pod: ClientPodSpec, pathWithQuery: string, timeoutMs = 30_000): Promise<T> {
    const result = await this.runner.run(
      'kubectl',
      [...seedFlags(this.access), 'get', '--raw', podProxyPath(pod.namespace, pod.name, pathWithQuery), `--request-timeout=${Math.ceil(timeoutMs / 1000)}s`],
      { timeoutMs: timeoutMs + 5_000 },
    );
    return JSON.parse(result.stdout) as T;
  }

  async prepare(): Promise<PrepareResult> {
    const prepared = await mapLimited(this.pods, CONCURRENCY, (pod) =>
      this.control<PodPrepared>(pod, controlPath(CONTROL_PATHS.prepare, { retryForMs: this.warmUpRetryMs }), this.warmUpRetryMs + 120_000).catch(
        (error: Error): PodPrepared => ({ answered: 0, error: error.message }),
      ),
    );
    return {
      answered: prepared.reduce((sum, p) => sum + p.answered, 0),
      failed: prepared.flatMap((p, i) => (p.error !== undefined ? [{ pod: this.pods[i]!.name, error: p.error }] : [])),
    };
  }

  async run(options: RunOptions): Promise<ClientRunResult[]> {
    this.onRun();
    // One wall-clock start for every pod, far enough ahead that every /run call has arrived by then.
    const epochUnixMs = Date.now() + 3_000 + 30 * this.pods.length;
    const maxRequests = Math.max(1, Math.floor(options.maxRequests / Math.max(1, this.pods.length)));
    await mapLimited(this.pods, CONCURRENCY, (pod) =>
      this.control(pod, controlPath(CONTROL_PATHS.run, { durationMs: options.durationMs, maxRequests, drainTimeoutMs: options.drainTimeoutMs, epochUnixMs })),
    );
    const deadline = epochUnixMs + options.durationMs + (options.drainTimeoutMs ?? 10_000) + 60_000;
    const results = new Map<string, ClientRunResult>();
    await pollUntil(
      async () => {
        if (Date.now() < epochUnixMs + options.durationMs) return results.size;
        await mapLimited(
          this.pods.filter((p) => !results.has(p.name)),
          CONCURRENCY,
          async (pod) => {
            const answer = await this.control<ClientRunResult | { running: boolean }>(pod, CONTROL_PATHS.result);
            if ('pod' in answer) results.set(pod.name, answer);
          },
        );
        return results.size;
      },
      (n) => n === this.pods.length,
      { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 1_000, what: 'every load client to report its results' },
    );
    for (const pod of this.pods.filter((p) => this.stopped.has(p.name))) await this.deletePods(pod.namespace, [pod.name]);
    return this.pods.map((p) => results.get(p.name)!);
  }

  async setGroup(group: string, change: GroupChange): Promise<void> {
    const pods = this.pods.filter((p) => p.group === group && !this.stopped.has(p.name));
    await mapLimited(pods, CONCURRENCY, (pod) =>
      this.control(pod, controlPath(CONTROL_PATHS.set, { rate: change.rate, qps: change.qps, burst: change.burst })),
    );
  }

  /** The pods' load ends now (their connections close); the pods are deleted once their results are read. */
  async stopPods(pods: string[]): Promise<void> {
    const mine = this.pods.filter((p) => pods.includes(p.name));
    await mapLimited(mine, CONCURRENCY, (pod) => this.control(pod, CONTROL_PATHS.stop));
    for (const pod of mine) this.stopped.add(pod.name);
  }

  private async deletePods(namespace: string, names: string[]): Promise<void> {
    await this.runner.run('kubectl', [...seedFlags(this.access), 'delete', 'pod', ...names, '-n', namespace, '--wait=false', '--ignore-not-found'], {
      timeoutMs: 120_000,
    });
  }

  async close(): Promise<void> {
    for (const namespace of new Set(this.pods.map((p) => p.namespace)))
      await this.deletePods(
        namespace,
        this.pods.filter((p) => p.namespace === namespace).map((p) => p.name),
      );
  }
}

export { podState };
export type { PemSource };
