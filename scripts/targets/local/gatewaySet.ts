// The gateway pods of a local cluster, whatever runs them (docs/fidelity.md#swapping-one-component): the simulated
// Envoy model in worker threads (simulatedGateways.ts, the default) or real Envoy processes (envoyGateways.ts,
// `--components gateway=envoy`). The local cluster drives both the same way: its endpoints controller feeds their
// upstream clusters (EDS) with the ready replicas, the timeline adds and deletes pods, the runner reads their counters.
import type { Endpoint } from '../../core/endpoint.ts';
import type { GatewayStats } from '../../core/componentStats.ts';
import type { ComponentHealth } from '../target.ts';

export interface GatewaySet {
  /** The pods that exist now (name, pod IP, the port the gateway Service targets). */
  pods(): Endpoint[];
  has(name: string): boolean;
  /** A new pod at `endpoint`, its upstream clusters holding `replicas` (the ready replicas of the control plane under test). */
  add(endpoint: Endpoint, index: number, replicas: Endpoint[]): Promise<void>;
  /** Deletes a pod at once: its connections are reset (the local target's pod deletion, as a killed pod). */
  remove(name: string): Promise<void>;
  /** EDS: every pod's upstream clusters of the control plane under test now hold exactly these replicas. */
  setUpstreamEndpoints(replicas: Endpoint[]): Promise<void>;
  stats(): Promise<GatewayStats[]>;
  /** Real processes' CPU over the window (empty for worker threads: the component host reports those). */
  health(reset: boolean): Promise<ComponentHealth[]>;
  /**
   * The CPU this run used so far, µs: this process (every simulator thread) and the processes running the pods, if
   * any. The machine's CPU line counts the rest as other programs' (scripts/measure/machineCpu.ts).
   */
  runCpuMicros(): number;
  close(): Promise<void>;
}
