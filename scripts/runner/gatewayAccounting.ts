// What the shared ingress gateway costs, per pod and per kube-apiserver replica (docs/scenarios.md#gateway-accounting,
// issue 21): the operator's question before turning L7 on for a whole seed. Read from the gateway pods' counters at the
// end of the load phase (the Target seam's GatewayStats, Envoy's downstream_cx_active, upstream_cx_active per host
// and upstream_rq_active in the real gateway) and the pods' thread CPU over the load phase:
// - per gateway pod: downstream connections (accepted, open), upstream connections per control plane and per replica,
//   requests in flight (now and the most at once), CPU (cores over the load phase) and memory;
// - per replica: upstream connections from every gateway pod together (gardener#13459: a kube-apiserver hit its
//   5,000-connection limit once the gateway's upstream connections multiplied).
// On the local target CPU and memory are the simulator's worker thread's (its event loop and V8 heap), which do not
// stand for Envoy's: the note says so. On the binary target they are the real Envoy process's. Pure: no socket.
import type { ComponentHealth, NetworkStats } from '../targets/target.ts';
import { neighbourIdentity, type Scenario } from '../../scenarios/schema.ts';

export interface GatewayPodAccount {
  pod: string;
  downstreamConnections: { accepted: number; open: number };
  /** Upstream connections open at the end, all control planes; by control plane (its namespace) and by replica. */
  upstreamConnections: number;
  upstreamByControlPlane: Record<string, number>;
  upstreamByReplica: Record<string, number>;
  /** Requests the pod forwarded (every cluster, warm-up included). */
  requests: number;
  activeRequests: { now: number; peak: number };
  /** The pod's thread CPU over the load phase, in cores (NaN where the target cannot read it). */
  cpuCores: number;
  /** The pod's memory in MiB (the simulator: its worker's V8 heap; NaN where unknown). */
  memoryMiB: number;
}

export interface GatewayAccounting {
  /** What the CPU and memory figures stand for on this target. */
  note: string;
  pods: GatewayPodAccount[];
  /** Per replica (as the results name it: `kube-apiserver-0`, `<neighbour>/kube-apiserver-0`): upstream connections from every gateway pod. */
  replicas: Record<string, number>;
  /** The most upstream connections any replica had from the gateway pods (NaN without any). */
  upstreamPerReplicaMax: number;
}

export const SIMULATED_GATEWAY_NOTE =
  "simulated gateway pods: CPU is the pod's worker thread and memory its V8 heap in this simulator, which do not stand for Envoy's (npm run bench -- gateway compares them; measure real Envoy on the binary target)";

export const REAL_GATEWAY_NOTE =
  "real Envoy gateway pods (binary target, or the local one with --components gateway=envoy): CPU is the Envoy process's, every thread, from /proc; memory is what its allocator has handed out (admin /memory 'allocated')";

/** undefined when no gateway pod ran (direct and goaway modes). */
export function gatewayAccounting(scenario: Scenario, network: NetworkStats, components: ComponentHealth[]): GatewayAccounting | undefined {
  if (network.gateways.length === 0) return undefined;
  const controlPlaneOf = controlPlanesByHost(scenario);
  const replicas: Record<string, number> = {};
  const pods = network.gateways.map((g): GatewayPodAccount => {
    const byControlPlane: Record<string, number> = {};
    const byReplica: Record<string, number> = {};
    for (const [key, n] of Object.entries(g.upstreamConnections)) {
      // `<host>` for the control plane under test, `<public host>/<host>` for every other one (GatewayStats).
      const slash = key.indexOf('/');
      const cp = slash < 0 ? controlPlaneOf.underTest : (controlPlaneOf.byHost.get(key.slice(0, slash)) ?? { namespace: key.slice(0, slash) });
      const replica = slash < 0 ? key : `${cp.name ?? cp.namespace}/${key.slice(slash + 1)}`;
      byControlPlane[cp.namespace] = (byControlPlane[cp.namespace] ?? 0) + n;
      byReplica[replica] = (byReplica[replica] ?? 0) + n;
      replicas[replica] = (replicas[replica] ?? 0) + n;
    }
    const health = components.find((c) => c.component === g.pod);
    const requests = Object.values(g.clusters).reduce((s, hosts) => s + Object.values(hosts).reduce((t, h) => t + h.requests, 0), 0);
    const active = Object.values(g.clusters).reduce((s, hosts) => s + Object.values(hosts).reduce((t, h) => t + h.active, 0), 0);
    return {
      pod: g.pod,
      downstreamConnections: { accepted: g.downstreamConnections, open: g.downstreamConnectionsOpen ?? NaN },
      upstreamConnections: Object.values(byReplica).reduce((a, b) => a + b, 0),
      upstreamByControlPlane: byControlPlane,
      upstreamByReplica: byReplica,
      requests,
      activeRequests: { now: g.activeRequests ?? active, peak: g.activeRequestsPeak ?? NaN },
      cpuCores: health && health.windowMs > 0 ? health.cpuMs / health.windowMs : NaN,
      memoryMiB: g.heapUsedBytes !== undefined ? g.heapUsedBytes / 2 ** 20 : NaN,
    };
  });
  const counts = Object.values(replicas);
  const real = network.gateways.some((g) => components.find((c) => c.component === g.pod)?.realProcess === true);
  return { note: real ? REAL_GATEWAY_NOTE : SIMULATED_GATEWAY_NOTE, pods, replicas, upstreamPerReplicaMax: counts.length > 0 ? Math.max(...counts) : NaN };
}

interface ControlPlaneName {
  namespace: string;
  /** A neighbour's name (how the results name its replicas); absent for the one under test. */
  name?: string;
}

function controlPlanesByHost(scenario: Scenario): { underTest: ControlPlaneName; byHost: Map<string, ControlPlaneName> } {
  const byHost = new Map<string, ControlPlaneName>();
  for (const n of scenario.topology.neighbours) {
    const { namespace, publicHost } = neighbourIdentity(n);
    byHost.set(publicHost.toLowerCase(), { namespace, name: n.name });
  }
  return { underTest: { namespace: scenario.topology.controlPlane.namespace }, byHost };
}
