// The configuration of the simulator's client pods component (sim/clients/clients.ts). The pods' spec and what each
// reports back are the Target seam's (scripts/core/clientPod.ts). Structured-clone-safe: crosses into worker threads.
import type { ClientPodSpec } from '../../scripts/core/clientPod.ts';
import type { ServiceRecord } from '../../scripts/core/service.ts';

export interface ClientsConfig {
  randomSeed: number;
  pods: ClientPodSpec[];
  services: ServiceRecord[];
  privilegedPortOffset: number;
  clusterDomain: string;
}
