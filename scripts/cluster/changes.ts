// Changes to a running cluster: what timeline events do to the control plane, the gateway, the webhook and the seed
// objects while load runs (docs/architecture.md#a-cluster-that-changes). Each target maps a change to its own
// mechanism: the local target to a component method, the kind target to a kubectl action; both report it through
// changeRecorder, so a ChangeOutcome is timed and filled the same way.
import type { RecreatableSeedObject } from '../../scenarios/vocabulary.ts';

export type TopologyChange =
  /** A new kube-apiserver replica (the next free index); its endpoint is published once it is ready. */
  | { type: 'add-apiserver' }
  /** Deletes a replica pod: its endpoint is withdrawn and its connections are reset. */
  | { type: 'remove-apiserver'; replica: string }
  /** Ends a replica's process: `kill` resets its connections at once, `graceful` drains them with GOAWAY. */
  | { type: 'stop-apiserver'; replica: string; mode: 'kill' | 'graceful' }
  /** Starts a stopped replica; its endpoint comes back when it is ready. */
  | { type: 'start-apiserver'; replica: string }
  /** Stop, start, and wait until ready again (a pod replaced by its Deployment). */
  | { type: 'restart-apiserver'; replica: string; mode: 'kill' | 'graceful' }
  | { type: 'add-gateway' }
  | { type: 'remove-gateway'; pod: string }
  /** The webhook server goes down (admission then fails closed: failurePolicy Fail) or comes back. */
  | { type: 'stop-webhook' }
  | { type: 'start-webhook' }
  | { type: 'delete-seed-object'; object: RecreatableSeedObject }
  | { type: 'recreate-seed-object'; object: RecreatableSeedObject }
  /**
   * The generic token kubeconfig is regenerated with another server address (what Gardener does when L7 is switched
   * on or off): a new secret name, mounted by pods created from now on; existing pods keep the old one.
   */
  | { type: 'set-kubeconfig-server'; address: 'kube-apiserver' | 'public-host' }
  /**
   * The internal gateway Service gets the annotation networking.resources.gardener.cloud/pod-label-selector-namespace-alias
   * (as before gardener#12260), or loses it (alias undefined): the resource-manager's NetworkPolicy controller then
   * admits pods labelled `to-<alias>-istio-ingressgateway-internal-tcp-9443`, which is not the label the webhook sets.
   */
  | { type: 'set-namespace-alias'; alias?: string };

export type TopologyChangeType = TopologyChange['type'];

export interface ChangeOutcome {
  change: TopologyChange;
  /** How long the action itself took (ms). */
  appliedMs: number;
  /** For changes that end with something becoming ready (start, restart, add): from the start of the change until then. */
  readyMs?: number;
  /** What happened, for logs and results, e.g. "kube-apiserver-3 ready at 127.100.1.4:10443". */
  detail: string;
  /**
   * The last /metrics text of every replica process the change ended (stop, kill, remove, restart), where the target
   * can know it; the runner adds those counts to the replica's totals (a restarted process counts from zero again).
   */
  finalMetrics?: { replica: string; text: string }[];
  /**
   * The first /metrics of every replica process the change started, read as it became ready and before any client
   * could reach it, where the target knows it: a real kube-apiserver counts its own start-up requests, which the
   * runner then leaves out (that process counts from here, not from zero).
   */
  initialMetrics?: { replica: string; text: string }[];
}

/** One change being applied: when it began, the final /metrics of the processes it ended, and its outcome. */
export interface ChangeRecorder {
  /** Add a replica process's last /metrics text here when the change ends it. */
  readonly final: { replica: string; text: string }[];
  /** Add a new replica process's first /metrics here (ChangeOutcome.initialMetrics). */
  readonly initial: { replica: string; text: string }[];
  /** Milliseconds since the change began (a change that ends with something ready passes this as readyMs). */
  elapsed(): number;
  done(detail: string, readyMs?: number): ChangeOutcome;
}

export function changeRecorder(change: TopologyChange): ChangeRecorder {
  const started = performance.now();
  const final: { replica: string; text: string }[] = [];
  const initial: { replica: string; text: string }[] = [];
  const elapsed = () => performance.now() - started;
  return {
    final,
    initial,
    elapsed,
    done: (detail, readyMs) => ({
      change,
      appliedMs: elapsed(),
      ...(readyMs !== undefined ? { readyMs } : {}),
      detail,
      ...(final.length > 0 ? { finalMetrics: final } : {}),
      ...(initial.length > 0 ? { initialMetrics: initial } : {}),
    }),
  };
}
