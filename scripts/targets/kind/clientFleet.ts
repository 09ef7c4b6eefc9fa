// The load-client pods of one fleet on a real cluster (a ControlPortFleet, scripts/targets/controlPortFleet.ts): each
// pod runs the load client (docs/kind.md#the-load-client), its control port reached through the seed API server's pod
// proxy (`kubectl get --raw /api/v1/namespaces/<ns>/pods/<pod>:8080/proxy/...`, loadClient/protocol.ts); pods whose
// results were read are deleted with kubectl.
import { ControlPortFleet } from '../controlPortFleet.ts';
import { podProxyPath } from './loadClient/protocol.ts';
import { KUBECTL_CONCURRENCY } from './mapLimited.ts';
import { seedFlags, type SeedAccess } from './steps.ts';
import type { ToolRunner } from './tools.ts';
import type { ClientPodSpec } from '../../core/clientPod.ts';

export class KindClientFleet extends ControlPortFleet {
  constructor(pods: ClientPodSpec[], runner: ToolRunner, access: SeedAccess, warmUpRetryMs: number, onRun: () => void) {
    const deletePods = async (namespace: string, names: string[]) => {
      await runner.run('kubectl', [...seedFlags(access), 'delete', 'pod', ...names, '-n', namespace, '--wait=false', '--ignore-not-found'], {
        timeoutMs: 120_000,
      });
    };
    super(
      pods,
      {
        async control<T>(pod: ClientPodSpec, pathWithQuery: string, timeoutMs: number): Promise<T> {
          const args = [
            ...seedFlags(access),
            'get',
            '--raw',
            podProxyPath(pod.namespace, pod.name, pathWithQuery),
            `--request-timeout=${Math.ceil(timeoutMs / 1000)}s`,
          ];
          const result = await runner.run('kubectl', args, { timeoutMs: timeoutMs + 5_000 });
          return JSON.parse(result.stdout) as T;
        },
        async removePods(list) {
          for (const namespace of new Set(list.map((p) => p.namespace)))
            await deletePods(
              namespace,
              list.filter((p) => p.namespace === namespace).map((p) => p.name),
            );
        },
      },
      // Every control call is a kubectl process through the pod proxy: the shared start is set 3 s (+30 ms a pod) ahead.
      { warmUpRetryMs, concurrency: KUBECTL_CONCURRENCY, startLeadMs: (n) => 3_000 + 30 * n, resultPollMs: 1_000, onRun },
    );
  }
}
