// The binary target's client pods as a fleet (a ControlPortFleet, scripts/targets/controlPortFleet.ts): each is the Go
// load client in its own network namespace (clientPods.ts), its control port reached over HTTP through the node.
import http from 'node:http';
import { ControlPortFleet } from '../controlPortFleet.ts';
import { CONTROL_PORT } from '../kind/loadClient/protocol.ts';
import { getText } from './httpGet.ts';
import type { ClientPodSpec } from '../../core/clientPod.ts';

export function binaryClientFleet(
  pods: ClientPodSpec[],
  agent: http.Agent,
  warmUpRetryMs: number,
  /** Ends the pods' processes and namespaces. */
  removePods: (pods: string[]) => Promise<void>,
): ControlPortFleet {
  return new ControlPortFleet(
    pods,
    {
      async control<T>(pod: ClientPodSpec, pathWithQuery: string, timeoutMs: number): Promise<T> {
        const answer = await getText(`http://${pod.ip}:${CONTROL_PORT}${pathWithQuery}`, { agent }, timeoutMs);
        if (answer.status >= 400) throw new Error(`${pod.name} ${pathWithQuery}: ${answer.status} ${answer.body.slice(0, 300)}`);
        return JSON.parse(answer.body) as T;
      },
      removePods: (list) => removePods(list.map((p) => p.name)),
    },
    // Processes on this machine: a start 1 s ahead is plenty; results are polled often.
    { warmUpRetryMs, concurrency: 16, startLeadMs: (n) => 1_000 + 10 * n, resultPollMs: 250 },
  );
}
