// API Priority and Fairness settings of a scenario's control plane (docs/apf.md): on by default, as in Kubernetes
// since 1.29; FlowSchemas and PriorityLevelConfigurations in the flowcontrol.apiserver.k8s.io/v1 shape replace or add
// to the bootstrap objects of the same name.
import { z } from 'zod';

export const ApfSettings = z
  .object({
    /** kube-apiserver --enable-priority-and-fairness; false brings back the max-inflight limits. */
    enabled: z.boolean().default(true),
    flowSchemas: z.array(z.record(z.string(), z.unknown())).default([]),
    priorityLevels: z.array(z.record(z.string(), z.unknown())).default([]),
  })
  .strict();
export type ApfSettings = z.infer<typeof ApfSettings>;
