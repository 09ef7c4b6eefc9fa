// The network of one binary-target run (docs/binary-target-network.md): what the target calls. create() first removes
// the leftovers of killed runs, then makes the run's temp directory, the node namespace and the forwarder into it;
// the target adds component addresses and pods as the plan needs them and runs processes with `node.enter` /
// `pod.enter` as their prefix. Everything made is registered, and close() removes it all (processes the run adopted,
// every process still inside a namespace, the pods' namespaces and /etc/netns directories, the node namespace, the
// temp directory) also on failure, and on SIGINT/SIGTERM through the runner's interrupt handler
// (scripts/runner/interrupts.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { onInterrupt } from '../../../runner/interrupts.ts';
import type { ManagedProcess } from '../managedProcess.ts';
import { componentAddress, MAX_COMPONENTS, MAX_PODS, podAddress } from './addresses.ts';
import { networkProblems } from './hostTools.ts';
import { createNodeNamespace, type NodeNamespace } from './nodeNamespace.ts';
import { startNodeTunnel, type NodeTunnel } from './nodeTunnel.ts';
import { createPodNamespace, type PodNamespace, type PodNetworkSpec } from './podNamespace.ts';
import type { ClusterDnsEntry } from './podResolverFiles.ts';
import { newRunId, nodeNamespaceName, podNamespaceName, runDirectoryName, type RunId } from './runNames.ts';
import { removeLeftovers, removeNamespace } from './teardown.ts';

export interface NetworkRunOptions {
  /** Register close() with the runner's SIGINT/SIGTERM handler (default true). */
  closeOnInterrupt?: boolean;
  /** Where the run directory goes (default os.tmpdir()). */
  tmpDir?: string;
}

export interface PodRequest extends Omit<PodNetworkSpec, 'ip'> {
  /** The pod IP; default: the next free podAddress(). */
  ip?: string;
}

export class NetworkRun {
  private readonly pods = new Map<string, PodNamespace>();
  /** Pod namespaces registered before they are made, so that close() also removes a half-made one. */
  private readonly podNamespaces = new Set<string>();
  private readonly adopted = new Set<ManagedProcess>();
  private clusterDns: ClusterDnsEntry[] = [];
  private nextPod = 0;
  private nextComponent = 0;
  private closing: Promise<void> | undefined;
  private forgetInterrupt: (() => void) | undefined;

  private constructor(
    readonly runId: RunId,
    /** The run's temp directory (sockets, logs, component files). */
    readonly dir: string,
    readonly node: NodeNamespace,
    readonly tunnel: NodeTunnel,
  ) {}

  /** Builds the run's network; on any failure removes what it made and rethrows. */
  static async create(options: NetworkRunOptions = {}): Promise<NetworkRun> {
    const problems = networkProblems();
    if (problems.length > 0) throw new Error(problems.join('; '));
    await removeLeftovers({ tmpDir: options.tmpDir });
    const runId = newRunId();
    const dir = path.join(options.tmpDir ?? os.tmpdir(), runDirectoryName(runId));
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const nodeName = nodeNamespaceName(runId);
    let node: NodeNamespace | undefined;
    try {
      node = await createNodeNamespace(nodeName);
      const tunnel = await startNodeTunnel(node.enter, path.join(dir, 'node.sock'), path.join(dir, 'node-forwarder.log'));
      const network = new NetworkRun(runId, dir, node, tunnel);
      if (options.closeOnInterrupt ?? true) network.forgetInterrupt = onInterrupt(() => network.close());
      return network;
    } catch (error) {
      await removeNamespace(nodeName).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The next free component address, added to the node's bridge. */
  async addComponent(): Promise<string> {
    while (this.nextComponent < MAX_COMPONENTS) {
      const ip = componentAddress(this.nextComponent++);
      if (this.node.addresses().includes(ip)) continue;
      await this.node.addAddress(ip);
      return ip;
    }
    throw new Error(`no component address left (${MAX_COMPONENTS} in use)`);
  }

  /** A pod's namespace, wired to the node; its hosts file carries the cluster DNS entries set so far. */
  async addPod(request: PodRequest): Promise<PodNamespace> {
    const index = this.nextPod++;
    if (index >= MAX_PODS) throw new Error(`no pod namespace left (${MAX_PODS} made)`);
    const taken = new Set([...this.pods.values()].map((p) => p.ip));
    const ip = request.ip ?? this.freePodAddress(taken);
    if (taken.has(ip) || this.node.addresses().includes(ip)) throw new Error(`pod ${request.namespace}/${request.name}: address ${ip} is already in use`);
    const name = podNamespaceName(this.runId, index);
    this.podNamespaces.add(name);
    try {
      const pod = await createPodNamespace(name, this.node.name, `veth${index}`, { ...request, ip }, this.clusterDns);
      this.pods.set(name, pod);
      return pod;
    } catch (error) {
      this.podNamespaces.delete(name);
      await removeNamespace(name).catch(() => undefined);
      throw error;
    }
  }

  /** Removes one pod's namespace (its processes are killed with it). */
  async removePod(pod: PodNamespace): Promise<void> {
    this.pods.delete(pod.name);
    this.podNamespaces.delete(pod.name);
    await removeNamespace(pod.name);
  }

  /** Replaces the cluster DNS entries of every pod, present and future. */
  setClusterDns(entries: ClusterDnsEntry[]): void {
    this.clusterDns = entries.map((e) => ({ ip: e.ip, names: [...e.names] }));
    for (const pod of this.pods.values()) pod.setClusterDns(this.clusterDns);
  }

  /** Registers a process the run started, so close() stops it (SIGTERM, then SIGKILL). */
  adopt<P extends ManagedProcess>(process: P): P {
    this.adopted.add(process);
    void process.exited.then(() => this.adopted.delete(process));
    return process;
  }

  /** The namespaces the run holds now (the node last). */
  namespaces(): string[] {
    return [...this.podNamespaces, this.node.name];
  }

  /** Removes everything; safe to call twice and concurrently (the second call waits for the first). */
  close(graceMs = 2_000): Promise<void> {
    this.closing ??= this.teardown(graceMs);
    return this.closing;
  }

  private async teardown(graceMs: number): Promise<void> {
    this.forgetInterrupt?.();
    const errors: string[] = [];
    const attempt = async (what: string, action: () => Promise<unknown>) => {
      await action().catch((error: Error) => errors.push(`${what}: ${error.message}`));
    };
    await Promise.all([...this.adopted].map((p) => attempt(p.spec.name, () => p.stop(graceMs))));
    await attempt('node forwarder', () => this.tunnel.close());
    for (const name of this.podNamespaces) await attempt(name, () => removeNamespace(name));
    this.podNamespaces.clear();
    this.pods.clear();
    await attempt(this.node.name, () => removeNamespace(this.node.name));
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (errors.length > 0) throw new Error(`network cleanup of run ${this.runId}: ${errors.join('; ')}`);
  }

  private freePodAddress(taken: Set<string>): string {
    for (let i = 0; i < MAX_PODS; i++) {
      const ip = podAddress(i);
      if (!taken.has(ip) && !this.node.addresses().includes(ip)) return ip;
    }
    throw new Error(`no pod address left (${MAX_PODS} in use)`);
  }
}
