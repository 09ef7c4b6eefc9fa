// Does a scenario fit the cluster (docs/kind.md#cluster-capacity)? A run places its pods one mode at a time: per
// control plane an etcd and its kube-apiserver replicas, the webhook, the ingress gateway pods and every client pod.
// At its busiest moment a mode holds, besides the steady pods, a surge pod where the timeline replaces pods: the
// kube-apiserver Deployment's maxSurge 1 on a restart, a killed pod's replacement while the old one terminates, a
// recreated client group's new pods while the old ones terminate (a terminating pod keeps its node's slot until it is
// gone). The scheduler fits each pod on a node by the node's allocatable pods, CPU and memory minus the requests already
// placed there (kube-scheduler's NodeResourcesFit, pkg/scheduler/framework/plugins/noderesources/fit.go): the sums
// compared here are necessary, not sufficient (the scheduler packs per node), so each node's free room is checked
// against the largest pod as well.
import type { Scenario } from '../../../scenarios/schema.ts';
import { MODES } from '../../cluster/modes.ts';
import { planCluster } from '../../cluster/plan.ts';
import { WEBHOOK_REQUESTS } from '../../../webhook/manifests.ts';
import { MAX_PODS_RANGE, WORKERS_RANGE } from './options.ts';
import { ETCD_REQUESTS, GATEWAY_REQUESTS, KUBE_APISERVER_REQUESTS, LOAD_CLIENT_REQUESTS, type ResourceRequests } from './manifests/podResources.ts';

export interface Resources {
  pods: number;
  cpuMilli: number;
  memoryMi: number;
}

export interface PodDemand extends Resources {
  /** What the pods are and how many, e.g. { what: 'client', pods: 943 }, for the messages. */
  parts: { what: string; pods: number }[];
  /** The largest single pod's requests (it must fit on one node). */
  largest: Resources;
}

/** Millicores of a Kubernetes CPU quantity ("250m", "2", "1.5"). */
export function cpuMilli(quantity: string): number {
  const q = quantity.trim();
  const value = q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000;
  if (!Number.isFinite(value)) throw new Error(`not a CPU quantity: "${quantity}"`);
  return value;
}

const MEMORY_UNITS: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024, k: 1e3 / 2 ** 20, M: 1e6 / 2 ** 20, G: 1e9 / 2 ** 20 };

/** MiB of a Kubernetes memory quantity ("128Mi", "16318472Ki", "1G", plain bytes). */
export function memoryMi(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMGT]i|[kMG])?$/.exec(quantity.trim());
  if (!match) throw new Error(`not a memory quantity: "${quantity}"`);
  return Number(match[1]) * (match[2] ? MEMORY_UNITS[match[2]]! : 1 / 2 ** 20);
}

/** One pod with these requests. */
export function onePod(requests: ResourceRequests): Resources {
  return { pods: 1, cpuMilli: cpuMilli(requests.cpu), memoryMi: memoryMi(requests.memory) };
}

function times(pod: Resources, pods: number): Resources {
  return { pods: pod.pods * pods, cpuMilli: pod.cpuMilli * pods, memoryMi: pod.memoryMi * pods };
}

export function sumResources(parts: Resources[]): Resources {
  return parts.reduce((a, b) => ({ pods: a.pods + b.pods, cpuMilli: a.cpuMilli + b.cpuMilli, memoryMi: a.memoryMi + b.memoryMi }), {
    pods: 0,
    cpuMilli: 0,
    memoryMi: 0,
  });
}

/** The extra pods the timeline holds at once beside the steady ones (see the header). */
function surges(scenario: Scenario): { replicas: number; gateways: number; clients: number; peakReplicas: number; peakGateways: number } {
  let replicas = 0;
  let gateways = 0;
  let clients = 0;
  let peakReplicas = scenario.topology.controlPlane.replicas;
  let peakGateways = scenario.topology.gateway.pods;
  for (const event of scenario.events) {
    if (event.type === 'kill-apiserver' || event.type === 'restart-apiserver' || event.type === 'rolling-restart') replicas = 1;
    if (event.type === 'scale-apiservers') peakReplicas = Math.max(peakReplicas, event.replicas);
    if (event.type === 'kill-gateway') gateways = 1;
    if (event.type === 'scale-gateways') peakGateways = Math.max(peakGateways, event.pods);
    if (event.type === 'recreate-pods') clients = Math.max(clients, scenario.clients.find((g) => g.name === event.group)?.count ?? 0);
  }
  return { replicas, gateways, clients, peakReplicas, peakGateways };
}

export interface DemandOptions {
  /** A gateway pod's requests (default: what cluster:up installs; on a live cluster, its Deployment's pod template's). */
  gatewayPod?: Resources;
  /** Gateway pods already running (they hold their room already; the run scales the same Deployment). */
  gatewayPodsRunning?: number;
}

/** The pods a run of `scenario` holds at its busiest moment, with their requests (the largest over its modes). */
export function podDemand(scenario: Scenario, options: DemandOptions = {}): PodDemand {
  const s = surges(scenario);
  // Modes run one after the other; they place the same pods (a mode changes routing, not the pods).
  const plan = planCluster(scenario.topology, MODES[scenario.modes[0]!], 1, { clientGroups: scenario.clients });
  const neighbourReplicas = plan.neighbours.reduce((n, p) => n + p.topology.controlPlane.replicas, 0);
  const replicas = s.peakReplicas + s.replicas + neighbourReplicas;
  const clients = scenario.clients.reduce((n, g) => n + g.count, 0) + s.clients;
  const controlPlanes = 1 + plan.neighbours.length;
  const gateways = Math.max(0, s.peakGateways + s.gateways - (options.gatewayPodsRunning ?? 0));
  const parts: [string, Resources, number][] = [
    ['client', onePod(LOAD_CLIENT_REQUESTS), clients],
    ['kube-apiserver', onePod(KUBE_APISERVER_REQUESTS), replicas],
    ['etcd', onePod(ETCD_REQUESTS), controlPlanes],
    ['gateway', options.gatewayPod ?? onePod(GATEWAY_REQUESTS), gateways],
    ['webhook', onePod(WEBHOOK_REQUESTS), 1],
  ];
  const total = sumResources(parts.map(([, pod, pods]) => times(pod, pods)));
  const largest = parts
    .filter(([, , pods]) => pods > 0)
    .map(([, pod]) => pod)
    .reduce((a, b) => ({ pods: 1, cpuMilli: Math.max(a.cpuMilli, b.cpuMilli), memoryMi: Math.max(a.memoryMi, b.memoryMi) }));
  return { ...total, parts: parts.filter(([, , pods]) => pods > 0).map(([what, , pods]) => ({ what, pods })), largest };
}

export function formatDemand(d: PodDemand): string {
  return `${d.pods} pods (${d.parts.map((p) => `${p.pods} ${p.what} pod${p.pods === 1 ? '' : 's'}`).join(', ')}) requesting ${formatCpu(d.cpuMilli)} CPU and ${formatMemory(d.memoryMi)}`;
}

export function formatCpu(milli: number): string {
  return `${(milli / 1000).toFixed(milli % 1000 === 0 ? 0 : 1)} cores`;
}

export function formatMemory(mi: number): string {
  return mi >= 1024 ? `${(mi / 1024).toFixed(1)} GiB` : `${Math.round(mi)} MiB`;
}

/** Pods on every kind node besides the run's: kube-proxy and kindnet (DaemonSets). */
const KIND_NODE_SYSTEM_PODS = 2;
/** Pods of a cluster:up cluster besides the run's and the DaemonSets: CoreDNS (2), local-path-provisioner, istiod. */
const KIND_CLUSTER_SYSTEM_PODS = 4;
/** The control-plane node's static pods (etcd, kube-apiserver, controller-manager, scheduler), when it takes pods. */
const KIND_CONTROL_PLANE_STATIC_PODS = 4;

/**
 * About how many of a run's pods a cluster:up cluster holds: kind taints its control-plane node when there are workers,
 * so the workers hold them; without workers, the control-plane node does. An estimate for the dry run; a run reads the
 * nodes themselves (clusterRoom.ts).
 */
export function kindPodRoom(workers: number, maxPods: number): number {
  if (workers === 0) return maxPods - KIND_NODE_SYSTEM_PODS - KIND_CONTROL_PLANE_STATIC_PODS - KIND_CLUSTER_SYSTEM_PODS;
  return workers * (maxPods - KIND_NODE_SYSTEM_PODS) - KIND_CLUSTER_SYSTEM_PODS;
}

/** The smallest cluster:up cluster (at the most pods a node takes) that holds `demand`'s pods, as flags. */
export function kindSizing(
  demand: Pick<PodDemand, 'pods'>,
  maxPods: number = MAX_PODS_RANGE.max,
  maxWorkers: number = WORKERS_RANGE.max,
): { workers: number; flags: string; fits: boolean } {
  const workers = Math.max(1, Math.ceil((demand.pods + KIND_CLUSTER_SYSTEM_PODS) / (maxPods - KIND_NODE_SYSTEM_PODS)));
  return { workers, flags: `--workers ${workers} --max-pods ${maxPods}`, fits: workers <= maxWorkers };
}
