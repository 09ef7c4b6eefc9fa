// How long a request may wait in an APF queue (k8s.io/apiserver pkg/server/filters/priority-and-fairness.go,
// getRequestWaitContext, and pkg/endpoints/filters/request_deadline.go, kubernetes-1.32.13):
// - a non-long-running request has a deadline: received + its timeout, which is the server's --request-timeout
//   (60 s by default) unless a ?timeout= shorter than that was given; it may wait a quarter of that (15 s);
// - a request without a deadline (a watch: WithRequestDeadline skips long-running requests) waits the
//   defaultRequestWaitLimit, which server/config.go sets to RequestTimeout / 4 (15 s);
// - either way never more than 1 minute. The limit counts from the time the request was received.
// Long-running requests other than watches (exec, attach, port-forward, proxy, log) bypass APF entirely.
import type { RequestDigest } from './types.ts';

export const MAX_REQUEST_WAIT_LIMIT_MS = 60_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

const LONG_RUNNING_VERBS = new Set(['watch', 'proxy']);
const LONG_RUNNING_SUBRESOURCES = new Set(['attach', 'exec', 'proxy', 'log', 'portforward']);

/**
 * kube-apiserver's LongRunningFunc: BasicLongRunningRequestCheck({watch, proxy}, {attach, exec, proxy, log,
 * portforward}) (pkg/server/filters/longrunning.go, configured in kubernetes/kubernetes pkg/controlplane).
 */
export function isLongRunning(digest: Pick<RequestDigest, 'verb' | 'isResourceRequest' | 'subresource' | 'path'>): boolean {
  if (LONG_RUNNING_VERBS.has(digest.verb)) return true;
  if (digest.isResourceRequest && LONG_RUNNING_SUBRESOURCES.has(digest.subresource)) return true;
  if (!digest.isResourceRequest && digest.path.startsWith('/debug/pprof/')) return true;
  return false;
}

export interface WaitLimitInput {
  /** The server's --request-timeout. */
  requestTimeoutMs: number;
  /** Whether the request is long-running (then it has no deadline). */
  longRunning: boolean;
  /** A ?timeout= the client asked for, if any; only a positive value below requestTimeoutMs shortens the deadline. */
  userTimeoutMs?: number;
}

/** The request's deadline relative to its arrival, or undefined for a long-running request. */
export function requestDeadlineMs(input: WaitLimitInput): number | undefined {
  if (input.longRunning) return undefined;
  const user = input.userTimeoutMs;
  return user !== undefined && user > 0 && user < input.requestTimeoutMs ? user : input.requestTimeoutMs;
}

/** The wait limit, measured from the request's arrival. */
export function requestWaitLimitMs(input: WaitLimitInput): number {
  const deadline = requestDeadlineMs(input);
  const limit = deadline === undefined ? input.requestTimeoutMs / 4 : deadline / 4;
  return Math.min(limit, MAX_REQUEST_WAIT_LIMIT_MS);
}
