// The shoot's control plane on the binary target (docs/binary-target.md#the-control-plane), from the kind target's own
// manifests (scripts/targets/kind/manifests/controlPlane.ts): its etcd and its kube-apiserver replicas are the
// Deployments' pod templates run as processes (podRuntime.ts), with the Secrets' files, the flags of the one builder
// both real targets use (kubeApiserverFlags), and the same readiness probes. The etcd Service gets its ClusterIP from
// the seed (kube-proxy serves it, cluster DNS names it); the kube-apiserver Service's EndpointSlice lists exactly the
// replicas whose /readyz passed, as the EndpointSlice controller would.
import https from 'node:https';
import { IN_CLUSTER_API_HOST, KUBE_APISERVER_PORT, KUBE_APISERVER_SERVICE_NAME } from '../../cluster/gardener.ts';
import { replicaEndpoint } from '../../cluster/plan.ts';
import { systemPodIp } from '../../cluster/addresses.ts';
import type { RenderContext } from '../kind/manifests/common.ts';
import { controlPlaneSecrets, ETCD_CLIENT_PORT, ETCD_NAME, etcdObjects, kubeApiserverDeployment } from '../kind/manifests/controlPlane.ts';
import type { KubeManifest } from '../kind/steps.ts';
import { publishEndpoints } from './endpointSlices.ts';
import { waitForServiceRules } from './network/iptablesRules.ts';
import { objectData, podFromTemplate, readinessProbe, type PodRuntime, type RunningPod } from './podRuntime.ts';

/** How long a replica may take to pass its readiness probe (measured here: 2-5 s; a loaded machine takes longer). */
const READY_TIMEOUT_MS = 90_000;
/** The kube-apiserver Deployment's terminationGracePeriodSeconds (30 s: shutdown delay 15 s plus the drain). */
const TERMINATION_GRACE_MS = 30_000;

interface Replica {
  index: number;
  pod: RunningPod;
  ready: boolean;
}

export class BinaryShootControlPlane {
  private readonly replicas = new Map<string, Replica>();
  /** Replicas being stopped: out of the membership, their process still running. */
  private readonly stopping = new Map<string, Replica>();
  private readonly apiserverDeployment: KubeManifest;
  private readonly data;
  private etcd: RunningPod | undefined;
  private readonly agent: https.Agent;

  constructor(
    readonly ctx: RenderContext,
    private readonly runtime: PodRuntime,
    /** The control plane's slot among the seed's (0: the one under test); picks its etcd address. */
    private readonly slot: number,
  ) {
    this.apiserverDeployment = kubeApiserverDeployment(ctx);
    this.data = objectData(controlPlaneSecrets(ctx));
    this.agent = runtime.network.tunnel.httpsAgent({ keepAlive: true, ca: ctx.pems.authority('ca'), servername: IN_CLUSTER_API_HOST });
  }

  get namespace(): string {
    return this.ctx.plan.namespace;
  }

  /** etcd first (its Service and endpoint), then every replica of the plan, each ready before the endpoints are published. */
  async start(): Promise<void> {
    await this.startEtcd();
    await Promise.all(this.ctx.plan.replicas.map((_, i) => this.startReplica(i)));
  }

  private async startEtcd(): Promise<void> {
    const [service, deployment] = etcdObjects(this.ctx);
    const created = await this.runtime.seed.json<{ spec: { clusterIP: string } }>('POST', `/api/v1/namespaces/${this.namespace}/services`, service);
    this.runtime.addServiceDns(this.namespace, ETCD_NAME, created.spec.clusterIP);
    const pod = podFromTemplate(deployment!, `${ETCD_NAME}-0`, systemPodIp(this.ctx.plan.addresses, 2 + this.slot));
    this.etcd = await this.runtime.run(pod, 'etcd', this.data);
    await this.runtime.waitReady(this.etcd, readinessProbe(pod), READY_TIMEOUT_MS);
    await publishEndpoints(this.runtime.seed, this.namespace, ETCD_NAME, { name: 'client', port: ETCD_CLIENT_PORT }, [{ name: pod.name, ip: pod.ip }]);
    // The replicas dial etcd by its Service name: kube-proxy must have its rules before they start (a kube-apiserver
    // gives up on storage after 20 s).
    await waitForServiceRules(this.runtime.network.node.name, `${this.namespace}/${ETCD_NAME}:client`, [`${pod.ip}:${ETCD_CLIENT_PORT}`]);
  }

  /** Starts replica `index` (a new one, or one that was stopped) and publishes it once ready. */
  async startReplica(index: number): Promise<{ name: string; readyMs: number; initialMetrics: string | undefined }> {
    const started = performance.now();
    const endpoint = replicaEndpoint(this.ctx.plan.addresses, index);
    const pod = podFromTemplate(this.apiserverDeployment, endpoint.name, endpoint.ip);
    const running = await this.runtime.run(pod, 'kube-apiserver', this.data);
    const replica: Replica = { index, pod: running, ready: false };
    this.replicas.set(endpoint.name, replica);
    await this.runtime.waitReady(running, readinessProbe(pod), READY_TIMEOUT_MS);
    // Its counters before any client can reach it: what it counted of its own start-up is not the clients'.
    const initialMetrics = await this.get(endpoint.name, '/metrics').catch(() => undefined);
    replica.ready = true;
    await this.publish();
    return { name: endpoint.name, readyMs: performance.now() - started, initialMetrics };
  }

  /** Withdraws the replica's endpoint, then ends its process (SIGTERM with the pod's grace period, or SIGKILL). */
  async stopReplica(name: string, mode: 'graceful' | 'kill'): Promise<void> {
    const replica = this.replicas.get(name);
    if (!replica) throw new Error(`no replica ${name}`);
    replica.ready = false;
    await this.publish();
    // No longer a member, but still reachable by get() until its process is gone: it serves its clients through the
    // shutdown delay, and whoever stops it reads its /metrics until the end (binaryChanges.ts stopRecorded).
    this.replicas.delete(name);
    this.stopping.set(name, replica);
    try {
      await this.runtime.stop(replica.pod, mode, TERMINATION_GRACE_MS);
    } finally {
      this.stopping.delete(name);
    }
  }

  /** The replicas that run now, by index. */
  running(): { name: string; index: number; ip: string; ready: boolean }[] {
    return [...this.replicas.entries()].sort((a, b) => a[1].index - b[1].index).map(([name, r]) => ({ name, index: r.index, ip: r.pod.ip, ready: r.ready }));
  }

  /** The ready replicas, as the gateway's EDS and kube-proxy see them. */
  readyEndpoints(): { name: string; ip: string; port: number }[] {
    return this.running()
      .filter((r) => r.ready)
      .map((r) => ({ name: r.name, ip: r.ip, port: KUBE_APISERVER_PORT }));
  }

  /** Called after the ready set changed: the Service's EndpointSlice, then whoever else follows it. */
  onEndpointsChanged: (endpoints: { name: string; ip: string; port: number }[]) => Promise<void> = async () => {};

  private publishing: Promise<void> = Promise.resolve();

  /** One publish at a time, each with the ready set as it is when it runs (concurrent readiness must not race). */
  private publish(): Promise<void> {
    const next = this.publishing.then(() => this.publishNow());
    this.publishing = next.catch(() => undefined);
    return next;
  }

  private async publishNow(): Promise<void> {
    const ready = this.readyEndpoints();
    await publishEndpoints(
      this.runtime.seed,
      this.namespace,
      KUBE_APISERVER_SERVICE_NAME,
      { name: KUBE_APISERVER_SERVICE_NAME, port: KUBE_APISERVER_PORT },
      ready,
    );
    await this.onEndpointsChanged(ready);
  }

  /** GET on a replica as the probes' user (its /metrics: what the runner counts; docs/measurement.md#conservation). */
  get(replica: string, path: string): Promise<string> {
    const found = this.replicas.get(replica) ?? this.stopping.get(replica);
    if (!found) return Promise.reject(new Error(`replica ${replica} is not running`));
    return new Promise((resolve, reject) => {
      const request = https.get(
        {
          host: found.pod.ip,
          port: KUBE_APISERVER_PORT,
          path,
          agent: this.agent,
          headers: { authorization: `Bearer ${this.ctx.secrets.probeToken}` },
          timeout: 10_000,
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (c: string) => (body += c));
          response.on('end', () =>
            (response.statusCode ?? 0) === 200 ? resolve(body) : reject(new Error(`GET ${path} on ${replica}: ${response.statusCode} ${body.slice(0, 200)}`)),
          );
        },
      );
      request.on('timeout', () => request.destroy(new Error(`GET ${path} on ${replica} timed out`)));
      request.on('error', reject);
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.replicas.values()].map((r) => this.runtime.stop(r.pod, 'kill', 1_000).catch(() => undefined)));
    this.replicas.clear();
    if (this.etcd) await this.runtime.stop(this.etcd, 'kill', 1_000).catch(() => undefined);
    this.agent.destroy();
  }
}
