// The simulated gateway pods (sim/gateway/gatewayPod.ts), one worker thread each, as a GatewaySet: what the local
// target runs unless `--components gateway=envoy` swaps in the real Envoy (envoyGateways.ts).
import gatewayPod, { type GatewayPodConfig } from '../../../sim/gateway/gatewayPod.ts';
import type { HandleOf } from '../../../sim/runtime/component.ts';
import type { Endpoint } from '../../core/endpoint.ts';
import { ownProcessMicros } from '../../measure/machineCpu.ts';
import type { GatewayStats } from '../../core/componentStats.ts';
import type { ComponentHealth } from '../target.ts';
import type { ComponentHost } from './componentHost.ts';
import type { GatewaySet } from './gatewaySet.ts';

type GatewayHandle = HandleOf<typeof gatewayPod>;

export class SimulatedGateways implements GatewaySet {
  private readonly handles = new Map<string, GatewayHandle>();

  private constructor(
    private readonly host: ComponentHost,
    /** The config of a pod added later (components.ts gatewayPodConfig with the plan's certificates). */
    private readonly configFor: (endpoint: Endpoint, index: number) => GatewayPodConfig,
  ) {}

  /** The plan's pods, each in its worker thread, in parallel; the component host stops them at teardown. */
  static async start(host: ComponentHost, configs: GatewayPodConfig[], configFor: SimulatedGateways['configFor']): Promise<SimulatedGateways> {
    const set = new SimulatedGateways(host, configFor);
    const handles = await Promise.all(configs.map((config) => host.start(gatewayPod, config.name, config)));
    for (const handle of handles) set.handles.set(handle.name, handle);
    return set;
  }

  pods(): Endpoint[] {
    return [...this.handles.values()].map((g) => ({ name: g.info.name, ip: g.info.ip, port: g.info.port }));
  }

  has(name: string): boolean {
    return this.handles.has(name);
  }

  async add(endpoint: Endpoint, index: number, replicas: Endpoint[]): Promise<void> {
    const config = this.configFor(endpoint, index);
    config.controlPlanes[0]!.upstream.endpoints = replicas;
    this.handles.set(endpoint.name, await this.host.start(gatewayPod, endpoint.name, config));
  }

  async remove(name: string): Promise<void> {
    const handle = this.handles.get(name);
    if (!handle) throw new Error(`unknown gateway pod "${name}" (known: ${[...this.handles.keys()].join(', ')})`);
    this.handles.delete(name);
    await this.host.stop(handle);
  }

  async setUpstreamEndpoints(replicas: Endpoint[]): Promise<void> {
    await Promise.all([...this.handles.values()].map((g) => g.remote.setEndpoints(0, replicas)));
  }

  stats(): Promise<GatewayStats[]> {
    return Promise.all([...this.handles.values()].map((g) => g.remote.stats()));
  }

  async health(): Promise<ComponentHealth[]> {
    return [];
  }

  /** Worker threads of this process: its own CPU is all of it. */
  runCpuMicros(): number {
    return ownProcessMicros();
  }

  async close(): Promise<void> {}
}
