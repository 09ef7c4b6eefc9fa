// One pod of the internal istio ingress gateway as a real Envoy process (docs/binary-target-envoy.md): the Istio
// objects translated into its bootstrap (translate.ts, bootstrap.ts), its clusters' endpoints in watched files
// (endpointFiles.ts) so scale, restart and kill events change them without restarting Envoy, `--concurrency` worker
// threads (Istio's ProxyConfig concurrency), and its stats (gatewayStats.ts).
import type http from 'node:http';
import path from 'node:path';
import { GATEWAY_TARGET_PORT } from '../../../../webhook/constants.ts';
import type { ClusterPlan } from '../../../cluster/plan.ts';
import { pollUntil } from '../../../core/poll.ts';
import type { KubeManifest } from '../../kind/steps.ts';
import { startEnvoy, type EnvoyProcess } from '../envoyProcess.ts';
import { gatewayBootstrap } from './bootstrap.ts';
import { drainListeners, PILOT_AGENT_ENVOY_ARGS, TERMINATION_DRAIN_MS } from './pilotAgent.ts';
import { EndpointFiles, type Address } from './endpointFiles.ts';
import { readGatewayStats, type EnvoyStats } from './gatewayStats.ts';
import { translateGateway } from './translate.ts';

/** A gateway pod's Envoy admin port on the pod IP (Istio's pilot-agent has it on 127.0.0.1:15000 inside the pod). */
export const GATEWAY_ADMIN_PORT = 15000;

/**
 * The --base-id of gateway pod `podIndex` of this process: distinct per pod and per process, (pid % 10,000) × 16 + the
 * pod index, moved by `offset` for another kind of run on the same machine (the local target's gateway swap).
 */
export function gatewayBaseId(podIndex: number, offset = 0): number {
  return offset + (process.pid % 10_000) * 16 + podIndex;
}

export interface GatewayEnvoyOptions {
  /** The pod name (`istio-ingressgateway-0`): process name, node id, file names. */
  name: string;
  binary: string;
  /** The Istio objects (istioObjects.ts renderGatewayObjects). */
  objects: KubeManifest[];
  /** The gateway's namespace (the plan's istioNamespace). */
  namespace: string;
  /** Where the pod's listener for the Service target port 9443 binds (the pod IP in the kind target). */
  listen: Address;
  admin: Address;
  workDir: string;
  /** Envoy worker threads (--concurrency). */
  concurrency: number;
  baseId: number;
  /** Each cluster's endpoints at start (default none; a cluster without endpoints answers 503 no healthy upstream). */
  endpoints?: Record<string, Address[]>;
  prefix?: string[];
  startTimeoutMs?: number;
  /** How the admin interface is reached from the runner (the node's tunnel when Envoy runs in a pod namespace). */
  adminAgent?: http.Agent;
}

export interface GatewayEnvoy {
  name: string;
  envoy: EnvoyProcess;
  /** Every EDS cluster of the bootstrap. */
  clusters: string[];
  /** Replaces a cluster's endpoints and resolves once Envoy serves exactly those hosts (10 s at most). */
  setEndpoints(cluster: string, addresses: Address[]): Promise<void>;
  stats(): Promise<EnvoyStats>;
  /** Starts Envoy's graceful listener drain (pilot-agent's first step on SIGTERM); Envoy keeps serving meanwhile. */
  drain(): Promise<void>;
  /**
   * The pod's termination as pilot-agent runs it: drain every listener (HTTP/2 clients get a GOAWAY at once), give
   * requests in flight `drainMs` (terminationDrainDuration, 5 s), then stop Envoy. `close()` stops it at once.
   */
  terminate(drainMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startGatewayEnvoy(o: GatewayEnvoyOptions): Promise<GatewayEnvoy> {
  const files = new EndpointFiles(path.join(o.workDir, `${o.name}-eds`));
  const translation = translateGateway({
    objects: o.objects,
    namespace: o.namespace,
    bind: (port) => (port === GATEWAY_TARGET_PORT ? o.listen : { ip: o.listen.ip, port }),
    edsConfig: (cluster) => files.configSource(cluster),
  });
  const clusters = translation.clusters.map((c) => c.name as string);
  const unknown = Object.keys(o.endpoints ?? {}).filter((c) => !clusters.includes(c));
  if (unknown.length > 0) throw new Error(`${o.name}: no cluster ${unknown.join(', ')} (clusters: ${clusters.join(', ')})`);
  for (const cluster of clusters) files.write(cluster, o.endpoints?.[cluster] ?? []);
  const envoy = await startEnvoy({
    name: o.name,
    binary: o.binary,
    bootstrap: gatewayBootstrap({ pod: { name: o.name, ip: o.listen.ip, namespace: o.namespace }, admin: o.admin, translation }),
    workDir: o.workDir,
    adminAddress: `${o.admin.ip}:${o.admin.port}`,
    concurrency: o.concurrency,
    baseId: o.baseId,
    prefix: o.prefix,
    extraArgs: PILOT_AGENT_ENVOY_ARGS,
    startTimeoutMs: o.startTimeoutMs,
    adminAgent: o.adminAgent,
  });
  const stats = () => readGatewayStats(envoy.admin);
  return {
    name: o.name,
    envoy,
    clusters,
    stats,
    close: () => envoy.close(),
    drain: () => drainListeners(`${o.admin.ip}:${o.admin.port}`, o.adminAgent),
    async terminate(drainMs = TERMINATION_DRAIN_MS) {
      if (envoy.process.running) await drainListeners(`${o.admin.ip}:${o.admin.port}`, o.adminAgent);
      await Promise.race([envoy.process.exited, new Promise((resolve) => setTimeout(resolve, drainMs))]);
      await envoy.close();
    },
    async setEndpoints(cluster, addresses) {
      if (!clusters.includes(cluster)) throw new Error(`${o.name}: no cluster ${cluster} (clusters: ${clusters.join(', ')})`);
      files.write(cluster, addresses);
      const wanted = addresses.map((a) => `${a.ip}:${a.port}`).sort();
      await pollUntil(
        async () => Object.keys((await stats()).clusters[cluster]?.hosts ?? {}).sort(),
        (hosts) => hosts.length === wanted.length && hosts.every((h, i) => h === wanted[i]),
        { timeoutMs: 10_000, intervalMs: 50, what: `${o.name} to serve ${cluster} from ${wanted.join(', ') || 'no hosts'}` },
      );
    },
  };
}

/**
 * Envoy worker threads of a gateway pod: what the kind target writes into `proxy.istio.io/config` concurrency
 * (scripts/targets/kind/plans.ts, the scenario's gateway.upstreamConnectionsPerEndpoint: one upstream HTTP/2
 * connection per worker and host). Istio's gateway chart with its 2-CPU limit would run 2.
 */
export function gatewayConcurrency(plan: Pick<ClusterPlan, 'topology'>): number {
  return plan.topology.gateway.upstreamConnectionsPerEndpoint;
}

/** The clusters of one control plane (its kube-apiserver Services live in its namespace). */
export function clustersOfNamespace(clusters: string[], namespace: string): string[] {
  return clusters.filter((c) => c.endsWith(`.${namespace}.svc.cluster.local`));
}
