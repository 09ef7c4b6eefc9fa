// API Priority and Fairness settings of a scenario's control plane (docs/apf.md): on by default, as in Kubernetes
// since 1.29; FlowSchemas and PriorityLevelConfigurations in the flowcontrol.apiserver.k8s.io/v1 shape replace or add
// to the bootstrap objects of the same name.
//
// The objects are checked as the real API checks them (the APF library's validation.ts: defaulting, then the
// rules and messages of kubernetes pkg/apis/flowcontrol/validation), plus two checks of their own: apiVersion/kind, if
// given, must be flowcontrol.apiserver.k8s.io/v1 FlowSchema/PriorityLevelConfiguration, and a FlowSchema must name a
// priority level that exists (bootstrap or the scenario's). kube-apiserver would accept such a "dangling" schema and
// ignore it (status Dangling=True); in a scenario it is almost always a typo, so it is an error here. Every issue
// has its path into the object, so the loader reports `topology.controlPlane.apf.flowSchemas[i]...` at file:line:col.
//
// This imports the pure configuration modules of sim/apiserver/apf (no sockets, no timers, no metrics): the same
// rules hold for the kind target's real kube-apiserver, which would reject the same objects with 422.
import { z } from 'zod';
import { resolveConfiguration } from '../sim/apiserver/apf/configuration.ts';
import type { FlowSchema, PriorityLevelConfiguration } from '../sim/apiserver/apf/types.ts';
import { formatPath } from '../sim/apiserver/apf/validation.ts';

const FLOWCONTROL_V1 = 'flowcontrol.apiserver.k8s.io/v1';

export const ApfSettings = z
  .object({
    /** kube-apiserver --enable-priority-and-fairness; false brings back the max-inflight limits (and ignores the objects below). */
    enabled: z.boolean().default(true),
    flowSchemas: z.array(z.record(z.string(), z.unknown())).default([]),
    priorityLevels: z.array(z.record(z.string(), z.unknown())).default([]),
  })
  .strict()
  .superRefine((apf, ctx) => {
    const field = { FlowSchema: 'flowSchemas', PriorityLevelConfiguration: 'priorityLevels' } as const;
    let typed = true;
    for (const kind of ['FlowSchema', 'PriorityLevelConfiguration'] as const) {
      apf[field[kind]].forEach((object, index) => {
        if (object['apiVersion'] !== undefined && object['apiVersion'] !== FLOWCONTROL_V1) {
          typed = false;
          ctx.addIssue({
            code: 'custom',
            path: [field[kind], index, 'apiVersion'],
            message: `must be ${JSON.stringify(FLOWCONTROL_V1)} (the version a v1.32 kube-apiserver serves and stores)`,
          });
        }
        if (object['kind'] !== undefined && object['kind'] !== kind) {
          typed = false;
          ctx.addIssue({ code: 'custom', path: [field[kind], index, 'kind'], message: `must be ${JSON.stringify(kind)} in ${field[kind]}` });
        }
      });
    }
    if (!typed) return;
    const resolved = resolveConfiguration({
      flowSchemas: apf.flowSchemas as unknown as FlowSchema[],
      priorityLevels: apf.priorityLevels as unknown as PriorityLevelConfiguration[],
    });
    for (const issue of resolved.issues) {
      if (issue.index === undefined) continue; // only with base 'empty', which scenarios do not use
      const path = [field[issue.kind], issue.index, ...issue.path];
      // The loader prints the path; the message is field.Error's text after it.
      const prefix = `${formatPath(issue.path)}: `;
      const text = issue.message.startsWith(prefix) ? issue.message.slice(prefix.length) : issue.message;
      const message =
        issue.severity === 'error'
          ? text
          : `${text} (kube-apiserver would accept it; a scenario refuses it: name an existing priority level or add it under priorityLevels)`;
      ctx.addIssue({ code: 'custom', path, message });
    }
  });
export type ApfSettings = z.infer<typeof ApfSettings>;
