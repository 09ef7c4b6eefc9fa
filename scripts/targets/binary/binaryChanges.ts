// The timeline's changes on the binary target (docs/binary-target.md#events): each becomes what it is on a real
// seed. A replica stopped or removed leaves its Service's EndpointSlice first, then gets SIGTERM (kube-apiserver's
// own shutdown: --shutdown-delay-duration, then GOAWAY and drain) or SIGKILL; its /metrics is read until it is gone,
// so the runner counts every request it answered. Gateway pods terminate as pilot-agent stops them. The webhook's pod
// goes down or comes back; seed objects are deleted and put back through the seed's API (server-side apply, as
// `kubectl apply --server-side`, in milliseconds rather than a kubectl process's seconds, so an event that follows
// one second later finds it done); a new generic kubeconfig is a new Secret that pods created from now on mount.
import { changeRecorder, type ChangeOutcome, type ChangeRecorder, type TopologyChange } from '../../cluster/changes.ts';
import { genericKubeconfigFor } from '../../cluster/plan.ts';
import { genericKubeconfigSecret } from '../../cluster/seedObjects.ts';
import type { KubeManifest } from '../kind/steps.ts';
import type { BootedCluster } from './clusterBoot.ts';

/** Changes this target cannot make, and why (check() names the events that need them). */
export const UNSUPPORTED_CHANGES: Partial<Record<TopologyChange['type'], string>> = {
  'set-namespace-alias':
    'set-namespace-alias has no effect here: no gardener-resource-manager NetworkPolicy controller runs, and the binary target enforces no NetworkPolicy',
};

export async function applyChange(c: BootedCluster, change: TopologyChange): Promise<ChangeOutcome> {
  const recorder = changeRecorder(change);
  switch (change.type) {
    case 'add-apiserver': {
      const used = new Set(c.shoot.running().map((r) => r.index));
      let index = 0;
      while (used.has(index)) index++;
      const { name, readyMs, initialMetrics } = await c.shoot.startReplica(index);
      if (initialMetrics !== undefined) recorder.initial.push({ replica: name, text: initialMetrics });
      return recorder.done(`${name} ready`, readyMs);
    }
    case 'remove-apiserver': {
      const unread = await stopRecorded(c, recorder, change.replica, 'graceful');
      return recorder.done(`${change.replica} removed${drainNote(change.replica, unread)}`);
    }
    case 'stop-apiserver': {
      const unread = await stopRecorded(c, recorder, change.replica, change.mode);
      return recorder.done(`${change.replica} stopped (${change.mode})${drainNote(change.replica, unread)}`);
    }
    case 'start-apiserver':
    case 'restart-apiserver': {
      const index = replicaIndex(change.replica);
      const unread = change.type === 'restart-apiserver' ? await stopRecorded(c, recorder, change.replica, change.mode) : undefined;
      const { initialMetrics } = await c.shoot.startReplica(index);
      if (initialMetrics !== undefined) recorder.initial.push({ replica: change.replica, text: initialMetrics });
      return recorder.done(`${change.replica} ready again${drainNote(change.replica, unread)}`, recorder.elapsed());
    }
    case 'add-gateway': {
      if (!c.gateway) throw new Error('this mode runs no gateway pods');
      const name = await c.gateway.addPod();
      await c.gateway.setReplicas(c.plan.namespace, c.shoot.readyEndpoints());
      return recorder.done(`${name} ready`, recorder.elapsed());
    }
    case 'remove-gateway':
      if (!c.gateway) throw new Error('this mode runs no gateway pods');
      await c.gateway.removePod(change.pod);
      return recorder.done(`${change.pod} removed`);
    case 'stop-webhook':
      await c.webhook.stop();
      return recorder.done('webhook stopped');
    case 'start-webhook':
      await c.webhook.start();
      return recorder.done('webhook serving again', recorder.elapsed());
    case 'delete-seed-object':
      await c.runtime.seed.delete(seedObject(c, change.object));
      return recorder.done(`${change.object} deleted`);
    case 'recreate-seed-object':
      await c.runtime.seed.apply(seedObject(c, change.object));
      return recorder.done(`${change.object} recreated`);
    case 'set-kubeconfig-server': {
      const kubeconfig = genericKubeconfigFor(c.plan.namespace, c.plan.publicHost, change.address);
      await c.runtime.seed.apply(genericKubeconfigSecret(c.plan, kubeconfig, c.ctx.pems).object as KubeManifest);
      c.clientPods.genericKubeconfig = kubeconfig;
      return recorder.done(`generic kubeconfig ${kubeconfig.secretName} points at ${kubeconfig.server}`);
    }
    case 'set-namespace-alias':
      throw new Error(UNSUPPORTED_CHANGES['set-namespace-alias']);
  }
}

/**
 * Stops a replica, reading its /metrics until its process is gone; the last text read goes into the outcome. A
 * graceful stop ends with kube-apiserver closing its listener and draining the requests in flight: those finish after
 * the last /metrics anyone can read, so they are not counted. Returns how long before the end that last read was, for
 * the event's detail (docs/binary-target.md#events).
 */
async function stopRecorded(c: BootedCluster, recorder: ChangeRecorder, replica: string, mode: 'graceful' | 'kill'): Promise<number | undefined> {
  let last: string | undefined = await c.shoot.get(replica, '/metrics').catch(() => undefined);
  let lastAt = performance.now();
  let stopped = false;
  const scraping = (async () => {
    while (!stopped && mode === 'graceful') {
      const text = await c.shoot.get(replica, '/metrics').catch(() => undefined);
      if (text !== undefined) [last, lastAt] = [text, performance.now()];
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  try {
    await c.shoot.stopReplica(replica, mode);
  } finally {
    stopped = true;
    await scraping;
  }
  if (last !== undefined) recorder.final.push({ replica, text: last });
  return mode === 'graceful' && last !== undefined ? performance.now() - lastAt : undefined;
}

/** The detail's note on a graceful stop's drain, when it lasted long enough to matter. */
function drainNote(replica: string, unreadMs: number | undefined): string {
  return unreadMs !== undefined && unreadMs > 500
    ? ` (${replica}'s last /metrics read ${(unreadMs / 1000).toFixed(1)} s before its process ended: requests it finished while draining are not counted)`
    : '';
}

function replicaIndex(name: string): number {
  const index = Number(/-(\d+)$/.exec(name)?.[1]);
  if (!Number.isInteger(index)) throw new Error(`not a replica name: ${name}`);
  return index;
}

function seedObject(c: BootedCluster, id: string): KubeManifest {
  const found = c.seedObjects.find((s) => s.id === id);
  if (!found) throw new Error(`no seed object ${id} in this plan`);
  return found.object;
}
