// How long a real cluster takes for each kind of timeline work (docs/kind.md#time-scale): on a cluster a new
// kube-apiserver pod needs 10 to 30 s, a graceful one 15 s of shutdown delay, new client pods are created through the
// webhook and pass their readiness probe. scripts/targets/eventTiming.ts lays a timeline out with these seconds.
import type { EventSeconds, TimingModel } from '../eventTiming.ts';

/** Seconds a real cluster takes, upper values (docs/kind.md#time-scale gives the sources). */
export const REAL_CLUSTER_SECONDS: EventSeconds = {
  /** A new kube-apiserver pod until Ready: image present, etcd connected, post-start hooks, readiness probe (10-30 s). */
  apiserverReady: 30,
  /** A deleted kube-apiserver pod until gone: --shutdown-delay-duration 15 s, GOAWAY drain, grace period 30 s. */
  apiserverGone: 30,
  /** A new gateway pod until Ready, with its routes pushed by istiod. */
  gatewayReady: 20,
  /** A deleted gateway pod until gone (Envoy's drain; grace period 30 s). */
  gatewayGone: 30,
  /** New client pods created one by one through the webhook until Ready (readiness probe every second) and warmed up. */
  clientPods: 15,
  /** The webhook Deployment rolled out again. */
  webhookReady: 20,
  /** The webhook pods gone (5 s readiness-failing shutdown delay, then the grace period). */
  webhookGone: 10,
  /** One kubectl apply or delete of an object, and its watchers notified. */
  objectChange: 2,
  /** A control call to the load clients through the pod proxy. */
  clientControl: 2,
  /** After the last event is done: time to measure what it did (convergence needs two balanced 1 s buckets, plus margin). */
  measureAfter: 10,
};

/** Every time of a scenario is this many times longer on the kind and cluster targets, unless --time-scale says otherwise. */
export const DEFAULT_TIME_SCALE = 10;

/** The kind and cluster targets' timing model (scripts/targets/eventTiming.ts). */
export const REAL_CLUSTER_TIMING: TimingModel = { seconds: REAL_CLUSTER_SECONDS, where: 'on a real cluster' };
