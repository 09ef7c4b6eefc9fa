// How much room the cluster's schedulable nodes have for a run's pods (docs/kind.md#cluster-capacity), read from the
// cluster before anything is created: per node its allocatable pods, CPU and memory (status.allocatable, what the
// kubelet offers the scheduler) minus what the pods already bound to it request. A node counts when it is Ready, not
// cordoned, and has no NoSchedule or NoExecute taint (the run's pods tolerate none: kind's control-plane node when it
// has workers). Pods in the namespaces the run deletes before it starts are not counted as taking room. A pod's
// request is the larger of its containers' sum and its largest init container (the scheduler's rule,
// pkg/api/v1/resource/helpers.go PodRequests).
import type { Scenario } from '../../../scenarios/schema.ts';
import { MODES } from '../../cluster/modes.ts';
import { planCluster } from '../../cluster/plan.ts';
import { GATEWAY_DEPLOYMENT } from './manifests/istio.ts';
import type { ResolvedKindOptions } from './options.ts';
import { planForKind } from './plans.ts';
import {
  cpuMilli,
  formatCpu,
  formatDemand,
  formatMemory,
  kindSizing,
  memoryMi,
  podDemand,
  sumResources,
  type PodDemand,
  type Resources,
} from './podCapacity.ts';
import { seedFlags } from './steps.ts';
import type { ToolRunner } from './tools.ts';

interface Quantities {
  cpu?: string;
  memory?: string;
  pods?: string;
}
interface ContainerJson {
  resources?: { requests?: Quantities };
}
export interface NodeJson {
  metadata: { name: string };
  spec?: { unschedulable?: boolean; taints?: { effect: string }[] };
  status?: { allocatable?: Quantities; conditions?: { type: string; status: string }[] };
}
export interface PodJson {
  metadata: { namespace: string };
  spec: { nodeName?: string; containers: ContainerJson[]; initContainers?: ContainerJson[] };
  status?: { phase?: string };
}

export interface NodeRoom {
  node: string;
  free: Resources;
}

function requestsOf(c: ContainerJson): Resources {
  const r = c.resources?.requests ?? {};
  return { pods: 0, cpuMilli: r.cpu ? cpuMilli(r.cpu) : 0, memoryMi: r.memory ? memoryMi(r.memory) : 0 };
}

export function podRequests(pod: Pick<PodJson, 'spec'>): Resources {
  const containers = sumResources(pod.spec.containers.map(requestsOf));
  const init = (pod.spec.initContainers ?? []).map(requestsOf);
  return {
    pods: 1,
    cpuMilli: Math.max(containers.cpuMilli, ...init.map((r) => r.cpuMilli)),
    memoryMi: Math.max(containers.memoryMi, ...init.map((r) => r.memoryMi)),
  };
}

export function schedulable(node: NodeJson): boolean {
  const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const tainted = (node.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  return ready && node.spec?.unschedulable !== true && !tainted;
}

/** The free room of every schedulable node; pods of `released` namespaces count as gone. */
export function nodeRooms(nodes: NodeJson[], pods: PodJson[], released: ReadonlySet<string>): NodeRoom[] {
  return nodes.filter(schedulable).map((node) => {
    const a = node.status?.allocatable ?? {};
    const placed = pods.filter(
      (p) => p.spec.nodeName === node.metadata.name && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && !released.has(p.metadata.namespace),
    );
    const used = sumResources(placed.map(podRequests));
    return {
      node: node.metadata.name,
      free: {
        pods: Number(a.pods ?? 0) - used.pods,
        cpuMilli: (a.cpu ? cpuMilli(a.cpu) : 0) - used.cpuMilli,
        memoryMi: (a.memory ? memoryMi(a.memory) : 0) - used.memoryMi,
      },
    };
  });
}

/** What keeps `demand` from fitting `rooms`, with `advice` on what to do; empty when it fits. */
export function roomProblems(demand: PodDemand, rooms: NodeRoom[], advice: string): string[] {
  if (rooms.length === 0) return [`the cluster has no schedulable node (Ready, not cordoned, without a NoSchedule taint): ${advice}`];
  // An overcommitted node (requests above allocatable) has no room, not negative room for the others.
  const free = sumResources(
    rooms.map((r) => ({ pods: Math.max(0, r.free.pods), cpuMilli: Math.max(0, r.free.cpuMilli), memoryMi: Math.max(0, r.free.memoryMi) })),
  );
  const short = [
    demand.pods > free.pods ? `${free.pods} pods` : '',
    demand.cpuMilli > free.cpuMilli ? `${formatCpu(free.cpuMilli)} CPU` : '',
    demand.memoryMi > free.memoryMi ? `${formatMemory(free.memoryMi)} of memory` : '',
  ].filter(Boolean);
  const problems: string[] = [];
  if (short.length > 0)
    problems.push(`the run needs ${formatDemand(demand)} at its busiest; the ${rooms.length} schedulable node(s) have room for ${short.join(', ')}: ${advice}`);
  const fitsOne = rooms.some((r) => r.free.pods >= 1 && r.free.cpuMilli >= demand.largest.cpuMilli && r.free.memoryMi >= demand.largest.memoryMi);
  if (!fitsOne)
    problems.push(
      `no schedulable node has room for one pod requesting ${formatCpu(demand.largest.cpuMilli)} CPU and ${formatMemory(demand.largest.memoryMi)}: ${advice}`,
    );
  return problems;
}

/**
 * What keeps `scenario` from fitting the cluster `o` names, read live with kubectl: the nodes, the pods bound to them,
 * and the gateway Deployment the run scales (its pods already hold their room; its requests are the cluster's own).
 */
export async function scenarioFitProblems(runner: ToolRunner, o: ResolvedKindOptions, scenario: Scenario): Promise<string[]> {
  const kubectl = async (args: string[]) =>
    JSON.parse((await runner.run('kubectl', [...seedFlags(o), ...args, '-o', 'json'], { timeoutMs: 60_000 })).stdout) as unknown;
  const nodes = (kubectl(['get', 'nodes']) as Promise<{ items: NodeJson[] }>).then((l) => l.items);
  const pods = (kubectl(['get', 'pods', '--all-namespaces']) as Promise<{ items: PodJson[] }>).then((l) => l.items);
  const gateway = kubectl(['get', 'deployment', GATEWAY_DEPLOYMENT, '-n', o.gatewayNamespace]) as Promise<GatewayDeploymentJson>;
  const [nodeList, podList, deployment] = await Promise.all([nodes, pods, gateway]);
  const plan = planForKind(planCluster(scenario.topology, MODES[scenario.modes[0]!], 1, { clientGroups: scenario.clients }), o);
  const released = new Set([plan.namespace, ...plan.neighbours.map((n) => n.namespace)]);
  const demand = podDemand(scenario, { gatewayPod: podRequests(deployment.spec.template), gatewayPodsRunning: deployment.status?.readyReplicas ?? 0 });
  const advice =
    o.target === 'kind'
      ? `recreate the kind cluster larger (npm run cluster:down, then npm run cluster:up -- ${kindSizing(demand).flags}), or run a smaller scenario`
      : 'add nodes, or run a smaller scenario';
  return roomProblems(demand, nodeRooms(nodeList, podList, released), advice);
}

interface GatewayDeploymentJson {
  spec: { template: Pick<PodJson, 'spec'> };
  status?: { readyReplicas?: number };
}
