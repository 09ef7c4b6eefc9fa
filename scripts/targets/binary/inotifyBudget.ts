// The binary target's inotify instances (docs/binary-target.md#inotify): every real component that follows files
// holds inotify instances of the machine's root user, and Linux caps them per user (fs.inotify.max_user_instances,
// 128 by default). Counted on a running cluster (2026-12-06, /proc/<pid>/fd links to anon_inode:inotify): a shoot
// kube-apiserver holds 5 (its dynamic certificate and CA file watchers: serving certificate, client CA, request-header
// CA, …), the seed's 1, and each Envoy gateway pod one per cluster whose endpoints it reads from a file (the
// file-based EDS this target feeds it with: Envoy's filesystem subscriptions each make their own watcher), three per
// control plane. Past the cap Envoy aborts at start ("assert failure: inotify_fd_ >= 0. Consider increasing value of
// fs.inotify.max_user_watches and/or fs.inotify.max_user_instances via sysctl"); kind asks its hosts to raise the same
// limits for the same reason (kind's known issues, "Pod errors due to too many open files").
import fs from 'node:fs';
import type { Scenario } from '../../../scenarios/schema.ts';

const PER_SHOOT_APISERVER = 5;
const PER_SEED_APISERVER = 1;
/** Envoy clusters fed by file-based EDS per control plane: the kube-apiserver Service and its -mtls and -connection-upgrade siblings. */
const EDS_CLUSTERS_PER_CONTROL_PLANE = 3;
/** Room for the machine's own users of inotify (systemd, editors) and this run's Node processes. */
const MARGIN = 16;

const LIMIT_FILE = '/proc/sys/fs/inotify/max_user_instances';

/** The inotify instances a scenario's cluster holds at its largest (its most replicas and gateway pods over the timeline). */
export function inotifyInstancesNeeded(scenario: Scenario): number {
  // The schema has expanded every `count` entry into its control planes.
  const neighbourReplicas = scenario.topology.neighbours.reduce((sum, n) => sum + n.replicas, 0);
  const gateways = scenario.modes.some((m) => m === 'l7' || m === 'passthrough') ? gatewayInotifyInstances(scenario) : 0;
  return PER_SEED_APISERVER + PER_SHOOT_APISERVER * (mostOverTimeline(scenario).replicas + neighbourReplicas) + gateways + MARGIN;
}

/**
 * The Envoy gateway pods' part, at their most over the timeline: one file-based EDS watcher per cluster, three clusters
 * per control plane (the local target's `--components gateway=envoy` runs the same Envoys, docs/fidelity.md#swapping-one-component).
 */
export function gatewayInotifyInstances(scenario: Scenario): number {
  return mostOverTimeline(scenario).gatewayPods * EDS_CLUSTERS_PER_CONTROL_PLANE * (1 + scenario.topology.neighbours.length);
}

/** The most replicas and gateway pods at once over the timeline. */
function mostOverTimeline(scenario: Scenario): { replicas: number; gatewayPods: number } {
  let replicas = scenario.topology.controlPlane.replicas;
  let gatewayPods = scenario.topology.gateway.pods;
  let mostReplicas = replicas;
  let mostGatewayPods = gatewayPods;
  for (const event of scenario.events) {
    if (event.type === 'scale-apiservers') replicas = event.replicas;
    if (event.type === 'scale-gateways') gatewayPods = event.pods;
    // A restart or a kill brings a new process up while the old one may still hold its watchers.
    mostReplicas = Math.max(mostReplicas, replicas + (event.type === 'rolling-restart' || event.type === 'restart-apiserver' ? 1 : 0));
    mostGatewayPods = Math.max(mostGatewayPods, gatewayPods + (event.type === 'kill-gateway' ? 1 : 0));
  }
  return { replicas: mostReplicas, gatewayPods: mostGatewayPods };
}

/** Room the machine's own users of inotify need besides a run's components. */
export const INOTIFY_MARGIN = MARGIN;

/** The machine's fs.inotify.max_user_instances, or undefined where it cannot be read. */
export function inotifyInstanceLimit(file = LIMIT_FILE): number | undefined {
  try {
    const value = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** One line when the scenario needs more inotify instances than the machine allows, saying what to run. */
export function inotifyProblem(scenario: Scenario, limit = inotifyInstanceLimit()): string | undefined {
  const needed = inotifyInstancesNeeded(scenario);
  if (limit === undefined || needed <= limit) return undefined;
  return `its real components need about ${needed} inotify instances (5 per kube-apiserver, 3 per control plane per Envoy pod) and fs.inotify.max_user_instances is ${limit}: ${raiseInotifyLimit(needed)}`;
}

/** What to run for `needed` instances: the limit raised to the next power of two. */
export function raiseInotifyLimit(needed: number): string {
  return `raise it, e.g. sudo sysctl -w fs.inotify.max_user_instances=${2 ** Math.ceil(Math.log2(needed))} (docs/binary-target.md#inotify)`;
}
