// What every pod of the binary target needs from the run (docs/binary-target.md#pods): the network (a namespace per
// pod, the node's tunnel), the seed's API (the Services and EndpointSlices a pod belongs to), where its files go, and
// how to start a rendered pod's container as a process: the kubelet's part, written once for the control plane, the
// gateway, the webhook and the client pods.
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import path from 'node:path';
import type { ImageUsers } from '../../cluster/podFiles.ts';
import { pollUntil } from '../../core/poll.ts';
import type { KubeManifest } from '../kind/steps.ts';
import type { ImageExecutable } from './images.ts';
import type { KubeApi } from './kubeApi.ts';
import type { ManagedProcess } from './managedProcess.ts';
import { MountPoints } from './kubelet/mountPoints.ts';
import { startPodProcess, type ContainerLike, type PodToRun } from './kubelet/podProcess.ts';
import type { ObjectData } from './kubelet/volumes.ts';
import type { NetworkRun } from './network/networkRun.ts';
import { otherRunsAlive } from './network/runNames.ts';
import type { PodNamespace } from './network/podNamespace.ts';
import { serviceDnsNames, type ClusterDnsEntry } from './network/podResolverFiles.ts';
import type { HostAlias } from '../../core/hostAlias.ts';

export interface HttpGetProbe {
  httpGet: { path: string; port: number; scheme?: 'HTTP' | 'HTTPS'; httpHeaders?: { name: string; value: string }[] };
}

/** A pod that runs: its namespace and its container's process. */
export interface RunningPod {
  name: string;
  namespace: string;
  ip: string;
  network: PodNamespace;
  process: ManagedProcess;
}

export class PodRuntime {
  readonly mountPoints = new MountPoints();
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(
    readonly network: NetworkRun,
    readonly seed: KubeApi,
    readonly executable: (image: string, command: string[]) => ImageExecutable,
    readonly imageUsers: ImageUsers,
  ) {
    this.httpAgent = network.tunnel.httpAgent({ keepAlive: false });
    // The kubelet's probes do not verify the serving certificate (pkg/probe/http/http.go: InsecureSkipVerify).
    this.httpsAgent = network.tunnel.httpsAgent({ keepAlive: false, rejectUnauthorized: false });
  }

  /** A pod's container as a process in a new network namespace with the pod IP; the pod's hostAliases go to its hosts file. */
  async run(pod: PodToRun, container: string, data: ObjectData, hostAliases: HostAlias[] = [], serviceAccount?: ServiceAccountAccess): Promise<RunningPod> {
    if (serviceAccount) ({ pod, data } = withServiceAccount(pod, container, data, serviceAccount));
    const podDir = path.join(this.network.dir, 'pods', `${pod.namespace}_${pod.name}`);
    fs.mkdirSync(podDir, { recursive: true, mode: 0o755 });
    const network = await this.network.addPod({ name: pod.name, namespace: pod.namespace, ip: pod.ip, hostAliases });
    network.setClusterDns(this.dnsFor(pod.namespace));
    try {
      const process = startPodProcess(
        { pod, container, data, podDir, executable: this.executable, imageUsers: this.imageUsers, enterNetwork: network.enter },
        this.mountPoints,
      );
      this.network.adopt(process);
      const running = { name: pod.name, namespace: pod.namespace, ip: pod.ip, network, process };
      this.pods.add(running);
      return running;
    } catch (error) {
      await this.network.removePod(network);
      throw error;
    }
  }

  /** Ends a pod: SIGTERM (SIGKILL after `graceMs`), or SIGKILL at once; then its namespace goes. */
  async stop(pod: RunningPod, mode: 'graceful' | 'kill', graceMs: number): Promise<void> {
    if (mode === 'kill') pod.process.signal('SIGKILL');
    await pod.process.stop(graceMs);
    this.pods.delete(pod);
    await this.network.removePod(pod.network);
  }

  /** One run of an httpGet probe against the pod IP (through the node, as the kubelet probes): true on 2xx/3xx. */
  probe(pod: { ip: string }, probe: HttpGetProbe): Promise<boolean> {
    const { httpGet } = probe;
    const headers = Object.fromEntries((httpGet.httpHeaders ?? []).map((h) => [h.name, h.value]));
    const https_ = httpGet.scheme === 'HTTPS';
    const module = https_ ? https : http;
    return new Promise((resolve) => {
      const request = module.get(
        { host: pod.ip, port: httpGet.port, path: httpGet.path, headers, agent: https_ ? this.httpsAgent : this.httpAgent, timeout: 1_000 },
        (response) => {
          response.resume();
          resolve((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 400);
        },
      );
      request.on('timeout', () => request.destroy());
      request.on('error', () => resolve(false));
    });
  }

  /** Waits until the probe passes; fails early, with its last output, when the process exits. */
  async waitReady(pod: RunningPod, probe: HttpGetProbe, timeoutMs: number): Promise<void> {
    await pollUntil(
      async () => {
        if (!pod.process.running) throw new Error(pod.process.describeExit());
        return this.probe(pod, probe);
      },
      (ok) => ok,
      { timeoutMs, intervalMs: 100, what: `pod ${pod.namespace}/${pod.name} to be ready (${probe.httpGet.path} on ${pod.ip}:${probe.httpGet.port})` },
    );
  }

  private readonly services = new Map<string, { namespace: string; name: string; ip: string }>();
  private readonly pods = new Set<RunningPod>();

  /**
   * Cluster DNS for a Service: the names a pod resolves it by (in its own namespace the short name too, through the
   * search path), written into every pod's hosts file, present and future (no DNS server runs: docs/binary-target-network.md).
   */
  addServiceDns(namespace: string, service: string, clusterIP: string): void {
    this.services.set(`${namespace}/${service}`, { namespace, name: service, ip: clusterIP });
    for (const pod of this.pods) pod.network.setClusterDns(this.dnsFor(pod.namespace));
  }

  private dnsFor(podNamespace: string): ClusterDnsEntry[] {
    return [...this.services.values()].map((s) => ({ ip: s.ip, names: serviceDnsNames(s.name, s.namespace, podNamespace) }));
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.mountPoints.removeAll(() => otherRunsAlive(this.network.runId));
  }
}

/** The Secrets and ConfigMaps among rendered objects, decoded, for a pod's volumes. */
export function objectData(objects: KubeManifest[]): ObjectData {
  return (kind, name) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) return undefined;
    const data = (found.data ?? {}) as Record<string, string>;
    if (kind === 'ConfigMap') return data;
    return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
  };
}

/** A Deployment's pod template as the pod `name` with `ip`. */
export function podFromTemplate(deployment: KubeManifest, name: string, ip: string): PodToRun {
  const spec = deployment.spec as { template: { spec: PodToRun['spec'] } };
  return { name, namespace: deployment.metadata.namespace ?? 'default', ip, spec: structuredClone(spec.template.spec) };
}

/** The first container's readiness probe of a pod template. */
export function readinessProbe(pod: PodToRun): HttpGetProbe {
  const container = pod.spec.containers[0] as { readinessProbe?: HttpGetProbe };
  if (!container.readinessProbe?.httpGet) throw new Error(`pod ${pod.name} has no httpGet readiness probe`);
  return container.readinessProbe;
}

/** What the kubelet gives a pod that mounts its service account's API access (automountServiceAccountToken). */
export interface ServiceAccountAccess {
  token: string;
  caPem: string;
  /** The `default/kubernetes` Service: KUBERNETES_SERVICE_HOST and _PORT. */
  kubernetesService: { host: string; port: number };
}

const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The kube-api-access volume the ServiceAccount admission plugin adds and the kubelet fills (token, ca.crt, namespace
 * at /var/run/secrets/kubernetes.io/serviceaccount, defaultMode 0644) and the KUBERNETES_SERVICE_* variables. The
 * token is a static token of the same service-account user, not a TokenRequest-bound one (no token controller runs).
 */
export function withServiceAccount(pod: PodToRun, container: string, data: ObjectData, access: ServiceAccountAccess): { pod: PodToRun; data: ObjectData } {
  const volume = `kube-api-access-${pod.name}`.slice(0, 63);
  const spec = structuredClone(pod.spec);
  spec.volumes = [...(spec.volumes ?? []), { name: volume, secret: { secretName: volume, defaultMode: 0o644 } }];
  for (const c of (spec.containers as ContainerLike[]).filter((c) => c.name === container)) {
    c.volumeMounts = [...(c.volumeMounts ?? []), { name: volume, mountPath: SERVICE_ACCOUNT_MOUNT, readOnly: true }];
    c.env = [
      { name: 'KUBERNETES_SERVICE_HOST', value: access.kubernetesService.host },
      { name: 'KUBERNETES_SERVICE_PORT', value: String(access.kubernetesService.port) },
      ...(c.env ?? []),
    ];
  }
  const files = { token: access.token, 'ca.crt': access.caPem, namespace: pod.namespace };
  return { pod: { ...pod, spec }, data: (kind, name) => (kind === 'Secret' && name === volume ? files : data(kind, name)) };
}
