// Client pods on the binary target (docs/binary-target.md#client-pods). Admission is real: each pod of a group is
// created in the seed kube-apiserver (rendered by the kind target's own fleetPodObjects), whose MutatingAdmissionWebhook
// plugin calls our webhook; a refusal comes back in kube-apiserver's words. The admitted pod, as the seed returns it
// (with the webhook's hostAliases and labels), is then run as the kubelet would: the Go load client in its own
// network namespace whose /etc/hosts carries those hostAliases (so the public name resolves only because the webhook
// ran), its projected kubeconfig volume written from the seed's Secrets with the pod's modes and user.
import { clientPodIp } from '../../cluster/addresses.ts';
import { clientBehaviour } from '../../cluster/clientPod.ts';
import type { ClusterPlan, GenericKubeconfig } from '../../cluster/plan.ts';
import { Rng } from '../../core/random.ts';
import type { ClientGroup } from '../../../scenarios/schema.ts';
import type { ResolvedKindOptions } from '../kind/options.ts';
import { fleetPodObjects } from '../kind/manifests/workloads.ts';
import type { PodAdmission } from '../target.ts';
import { KubeApiError, kubeMessage } from './kubeApi.ts';
import type { PodToRun } from './kubelet/podProcess.ts';
import type { ObjectData } from './kubelet/volumes.ts';
import type { PodRuntime, RunningPod } from './podRuntime.ts';
import type { ClientPodSpec } from '../../core/clientPod.ts';
import type { HostAlias } from '../../core/hostAlias.ts';

interface AdmittedPod {
  object: { metadata: { name: string; namespace: string; labels?: Record<string, string> }; spec: PodToRun['spec'] & { hostAliases?: HostAlias[] } };
  ip: string;
}

export class BinaryClientPods {
  private readonly admitted = new Map<string, AdmittedPod>();
  private readonly running = new Map<string, RunningPod>();
  private readonly generations = new Map<string, number>();
  private fleets = 0;

  constructor(
    private readonly plan: ClusterPlan,
    private readonly runtime: PodRuntime,
    private readonly kindOptions: ResolvedKindOptions,
    /** The generic kubeconfig new pods mount (a set-kubeconfig-server change replaces it). */
    public genericKubeconfig: GenericKubeconfig,
    private readonly caPem: string,
    /** The next free client pod address: one sequence for every control plane's pods (they share the pod network). */
    private readonly nextPodIp: () => string = sequentialPodIps(plan),
  ) {}

  /** Creates the groups' pods in the seed; each is admitted (and mutated) or refused there. */
  async admit(groups: ClientGroup[]): Promise<PodAdmission> {
    const fleet = `f${this.fleets++}-${this.plan.mode.name}`;
    const wanted: { name: string; group: ClientGroup }[] = [];
    for (const group of groups) {
      const generation = this.generations.get(group.name) ?? 0;
      this.generations.set(group.name, generation + 1);
      for (let i = 0; i < group.count; i++) wanted.push({ name: generation === 0 ? `${group.name}-${i}` : `${group.name}-g${generation}-${i}`, group });
    }
    const ns = this.plan.namespace;
    const objects = fleetPodObjects(wanted, {
      name: fleet,
      namespace: ns,
      genericKubeconfig: this.genericKubeconfig,
      rng: new Rng(this.plan.randomSeed),
      options: this.kindOptions,
    });
    const admission: PodAdmission = { admitted: [], rejected: [] };
    for (const [i, w] of wanted.entries()) {
      try {
        const object = await this.runtime.seed.json<AdmittedPod['object']>('POST', `/api/v1/namespaces/${ns}/pods`, objects[i]!.object);
        const ip = this.nextPodIp();
        this.admitted.set(w.name, { object, ip });
        admission.admitted.push(this.podSpec(w.group, object, ip));
      } catch (error) {
        if (!(error instanceof KubeApiError)) throw error;
        admission.rejected.push({ pod: `${ns}/${w.name}`, group: w.group.name, code: error.status, message: kubeMessage(error.body) });
      }
    }
    return admission;
  }

  private podSpec(group: ClientGroup, object: AdmittedPod['object'], ip: string): ClientPodSpec {
    return {
      name: object.metadata.name,
      group: group.name,
      namespace: object.metadata.namespace,
      ip,
      labels: object.metadata.labels ?? {},
      hostAliases: object.spec.hostAliases ?? [],
      kubeconfig: { server: this.genericKubeconfig.server, caPem: this.caPem, token: this.plan.tokens.clientGroups[group.name] ?? '' },
      ...clientBehaviour(group),
    };
  }

  /** Runs admitted pods: each in its namespace, with its volumes from the seed's Secrets; resolves once each serves. */
  async start(pods: ClientPodSpec[]): Promise<void> {
    const data = await this.secretData();
    await Promise.all(
      pods.map(async (spec) => {
        const admitted = this.admitted.get(spec.name);
        if (!admitted) throw new Error(`pod ${spec.name} was not admitted`);
        const pod: PodToRun = { name: spec.name, namespace: spec.namespace, ip: admitted.ip, spec: admitted.object.spec };
        const running = await this.runtime.run(pod, pod.spec.containers[0]!.name, data, admitted.object.spec.hostAliases ?? []);
        this.running.set(spec.name, running);
        await this.runtime.waitReady(running, { httpGet: { path: '/healthz', port: 8080 } }, 30_000);
      }),
    );
  }

  /** The Secrets client pods mount (generic kubeconfig, shoot-access tokens), as the kubelet reads them from the seed. */
  private async secretData(): Promise<ObjectData> {
    const list = await this.runtime.seed.json<{ items: { metadata: { name: string }; data?: Record<string, string> }[] }>(
      'GET',
      `/api/v1/namespaces/${this.plan.namespace}/secrets`,
    );
    const secrets = new Map(list.items.map((s) => [s.metadata.name, s.data ?? {}]));
    return (kind, name) => {
      if (kind !== 'Secret') return undefined;
      const found = secrets.get(name);
      return found ? Object.fromEntries(Object.entries(found).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])) : undefined;
    };
  }

  /** Ends pods: their processes and namespaces go, and their objects are deleted from the seed. */
  async remove(names: string[]): Promise<void> {
    await Promise.all(
      names.map(async (name) => {
        const running = this.running.get(name);
        this.running.delete(name);
        if (running) await this.runtime.stop(running, 'graceful', 5_000).catch(() => undefined);
        const admitted = this.admitted.get(name);
        this.admitted.delete(name);
        if (admitted) await this.runtime.seed.request('DELETE', `/api/v1/namespaces/${admitted.object.metadata.namespace}/pods/${name}`).catch(() => undefined);
      }),
    );
  }

  async close(): Promise<void> {
    await this.remove([...new Set([...this.running.keys(), ...this.admitted.keys()])]);
  }
}

/** Client pod addresses of a plan's block in order (clientPodIp 0, 1, …). */
export function sequentialPodIps(plan: ClusterPlan): () => string {
  let next = 0;
  return () => clientPodIp(plan.addresses, next++);
}
