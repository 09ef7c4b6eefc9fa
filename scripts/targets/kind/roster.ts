// Stable names for pods a Deployment replaces (docs/kind.md#replica-names): the runner names replicas
// `kube-apiserver-<i>` and gateway pods `istio-ingressgateway-<i>` (index order, RunningCluster.members()), while a
// real Deployment gives every new pod a new random name. The roster maps each stable name to the pod that currently
// backs it; a replaced pod's successor takes over its name, as a restarted replica keeps its name on the local target.
export class Roster {
  private readonly byName = new Map<string, string | undefined>();
  /** Every pod that ever backed a name: a pod not in here is a new one. */
  private readonly seen = new Set<string>();

  constructor(private readonly prefix: string) {}

  /** Names the pods that exist at the start, oldest first. */
  assign(pods: readonly string[]): void {
    for (const pod of pods) this.adopt(this.nextName(), pod);
  }

  /** Stable names in index order. */
  names(): string[] {
    return [...this.byName.keys()].sort((a, b) => this.index(a) - this.index(b));
  }

  podOf(name: string): string | undefined {
    if (!this.byName.has(name)) throw new Error(`unknown ${this.prefix} "${name}" (known: ${this.names().join(', ') || 'none'})`);
    return this.byName.get(name);
  }

  /** The name's pod is gone (being replaced): the name stays, without a pod, until a successor is adopted. */
  release(name: string): string | undefined {
    const pod = this.podOf(name);
    this.byName.set(name, undefined);
    return pod;
  }

  adopt(name: string, pod: string): void {
    this.byName.set(name, pod);
    this.seen.add(pod);
  }

  remove(name: string): void {
    this.podOf(name);
    this.byName.delete(name);
  }

  /** The lowest free index, as the local target picks a new replica's. */
  nextName(): string {
    for (let i = 0; ; i++) if (!this.byName.has(`${this.prefix}-${i}`)) return `${this.prefix}-${i}`;
  }

  /** Ready pods that no name has had yet: the successors of released names and the pods a scale-up added. */
  newPods(pods: readonly string[]): string[] {
    return pods.filter((p) => !this.seen.has(p));
  }

  get size(): number {
    return this.byName.size;
  }

  private index(name: string): number {
    return Number(/-(\d+)$/.exec(name)?.[1] ?? Number.MAX_SAFE_INTEGER);
  }
}

export interface PodState {
  name: string;
  ready: boolean;
  deleting: boolean;
  ip?: string;
  created: string;
  hostAliases: { ip: string; hostnames: string[] }[];
  labels: Record<string, string>;
}

/** Reads `kubectl get pods -o json` (a List) into what the roster and the fleet need, oldest first. */
export function parsePodList(json: string): PodState[] {
  const list = JSON.parse(json) as { items?: PodJson[] };
  return (list.items ?? []).map(podState).sort((a, b) => a.created.localeCompare(b.created) || a.name.localeCompare(b.name));
}

interface PodJson {
  metadata: { name: string; creationTimestamp?: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec?: { hostAliases?: { ip: string; hostnames: string[] }[] };
  status?: { podIP?: string; conditions?: { type: string; status: string }[] };
}

export function podState(pod: PodJson): PodState {
  return {
    name: pod.metadata.name,
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    deleting: pod.metadata.deletionTimestamp !== undefined,
    ip: pod.status?.podIP,
    created: pod.metadata.creationTimestamp ?? '',
    hostAliases: pod.spec?.hostAliases ?? [],
    labels: pod.metadata.labels ?? {},
  };
}
