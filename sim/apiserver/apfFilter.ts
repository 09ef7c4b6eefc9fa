// API Priority and Fairness in one replica: the WithPriorityAndFairness filter of kube-apiserver's handler chain
// (k8s.io/apiserver pkg/server/filters/priority-and-fairness.go, kubernetes-1.32), between authentication and the
// rest of the pipeline, built on the library in apf/ (docs/apf.md):
// - the request digest: the authenticated user and groups and the RequestInfo (verb, API group, resource,
//   subresource, namespace, name; the lower-case method and the path for non-resource requests);
// - the work estimate's inputs: the object count of the resource (the ObjectCountTracker counts a group/resource
//   over all namespaces; here read live from the store) and the list options; the watch count for mutating requests
//   comes from the facade's own WatchTracker (watches registered while they run on this replica);
// - the deadline (request_deadline.go): the server's --request-timeout (60 s), or a shorter positive `?timeout=`
//   (Go duration syntax), from the time the request was received; APF lets it wait a quarter of that;
// - a rejection: 429, Retry-After, X-Kubernetes-PF-FlowSchema-UID / -PriorityLevel-UID and Go's http.Error body
//   "Too many requests, please try again later." (text/plain; tooManyRequests() in the same file; kube-apiserver
//   sends no Status object here), and apiserver_request_total{code="429"} (RecordDroppedRequest);
// - a dispatched request carries the same two headers and holds its seats until the handler returns (a watch: until
//   its initial events were sent).
// One instance per replica process: a restarted replica starts a new one with a new metrics registry.
import type http from 'node:http';
import type http2 from 'node:http2';
import type { UserInfo } from './admissionHook.ts';
import { ApfRejection, PriorityAndFairness, type CancelSignal, type ExecutionLease } from './apf/priorityAndFairness.ts';
import type { ApfMetrics } from './apf/metrics.ts';
import type { FlowSchema, PriorityLevelConfiguration, RequestDigest } from './apf/types.ts';
import type { ListOptions, WorkInputs } from './apf/workEstimate.ts';
import { parseGoDurationMs } from './goDuration.ts';
import type { NonResourceRequest, ResourceRequest } from './requestInfo.ts';
import type { ObjectStore } from './store.ts';

/** `--enable-priority-and-fairness` and the configuration objects a scenario adds or overrides (docs/apf.md#configuration-overrides-scenarios). */
export interface ControlPlaneApfConfig {
  enabled: boolean;
  /** flowcontrol.apiserver.k8s.io/v1 FlowSchemas applied over the bootstrap configuration by name (validated at start). */
  flowSchemas?: readonly Record<string, unknown>[];
  priorityLevels?: readonly Record<string, unknown>[];
  /** --request-timeout (60 s): the deadline of a request without a shorter ?timeout=. */
  requestTimeoutMs?: number;
}

/** The inputs of PriorityAndFairness that all replicas of a control plane share. */
export function apfOptionsOf(config: ControlPlaneApfConfig, serverConcurrencyLimit: number) {
  return {
    serverConcurrencyLimit,
    ...(config.requestTimeoutMs !== undefined ? { requestTimeoutMs: config.requestTimeoutMs } : {}),
    flowSchemas: (config.flowSchemas ?? []) as unknown as FlowSchema[],
    priorityLevels: (config.priorityLevels ?? []) as unknown as PriorityLevelConfiguration[],
  };
}

export function resourceDigest(info: ResourceRequest, user: UserInfo): RequestDigest {
  return {
    user: { name: user.username, groups: user.groups },
    verb: info.verb,
    apiGroup: info.group,
    resource: info.resource,
    subresource: info.subresource,
    namespace: info.namespace,
    name: info.name,
    isResourceRequest: true,
    path: '',
  };
}

export function nonResourceDigest(info: NonResourceRequest, user: UserInfo, method: string): RequestDigest {
  return {
    user: { name: user.username, groups: user.groups },
    verb: method.toLowerCase(),
    apiGroup: '',
    resource: '',
    subresource: '',
    namespace: '',
    name: '',
    isResourceRequest: false,
    path: info.path,
  };
}

/** What the work estimator needs to know about a resource request. */
export function workInputsOf(info: ResourceRequest, store: ObjectStore): WorkInputs {
  if (info.verb !== 'list' && info.verb !== 'watch') return {};
  const q = info.query;
  const limit = Number(q.get('limit'));
  const listOptions: ListOptions = {
    ...(Number.isInteger(limit) && limit > 0 ? { limit } : {}),
    ...(q.get('continue') ? { continue: q.get('continue')! } : {}),
    ...(q.has('resourceVersion') ? { resourceVersion: q.get('resourceVersion')! } : {}),
    ...(q.get('resourceVersionMatch') ? { resourceVersionMatch: q.get('resourceVersionMatch')! } : {}),
    ...(q.get('labelSelector') ? { labelSelector: q.get('labelSelector')! } : {}),
    ...(q.get('fieldSelector') ? { fieldSelector: q.get('fieldSelector')! } : {}),
    ...(q.get('sendInitialEvents') === 'true' ? { sendInitialEvents: true } : {}),
  };
  // A resource the server does not store has no count (1 seat), as the tracker has none for it.
  return { ...(info.info ? { objectCount: store.count(info.resource) } : {}), listOptions };
}

export type TimeoutParam = { ok: true; userTimeoutMs: number | undefined } | { ok: false; message: string };

/** parseTimeout of request_deadline.go: `?timeout=` in Go duration syntax; a malformed one is a 400. */
export function timeoutParam(query: URLSearchParams): TimeoutParam {
  const value = query.get('timeout');
  if (value === null || value === '') return { ok: true, userTimeoutMs: undefined };
  const ms = parseGoDurationMs(value);
  if (ms === undefined) return { ok: false, message: `invalid timeout specified in the request URL - time: invalid duration ${JSON.stringify(value)}` };
  return { ok: true, userTimeoutMs: ms };
}

type ResponseLike = http.ServerResponse | http2.Http2ServerResponse;

export class ReplicaApf {
  readonly fc: PriorityAndFairness;

  constructor(config: ControlPlaneApfConfig, serverConcurrencyLimit: number, metrics: ApfMetrics | undefined) {
    this.fc = new PriorityAndFairness({ ...apfOptionsOf(config, serverConcurrencyLimit), ...(metrics ? { metrics } : {}) });
  }

  /**
   * Waits until APF lets the request execute and returns its lease (its headers already set on the response), or
   * answers 429 itself and returns undefined. `receivedAtMs` is on the library's clock (performance.timeOrigin +
   * performance.now()). A client that goes away while its request is queued cancels it.
   */
  async dispatch(
    digest: RequestDigest,
    work: WorkInputs | undefined,
    res: ResponseLike,
    receivedAtMs: number,
    userTimeoutMs: number | undefined,
  ): Promise<ExecutionLease | undefined> {
    // A cancellation signal over the response's 'close' event, listened to only while the request is queued (cheaper
    // than an AbortController per request).
    const signal: CancelSignal = {
      get aborted() {
        return res.writableEnded || (res as { destroyed?: boolean }).destroyed === true;
      },
      addEventListener: (_type, listener) => void res.once('close', listener),
      removeEventListener: (_type, listener) => void res.off('close', listener),
    };
    try {
      const lease = await this.fc.dispatch(digest, work, {
        signal,
        receivedAtMs,
        ...(userTimeoutMs !== undefined ? { userTimeoutMs } : {}),
      });
      for (const [name, value] of Object.entries(lease.headers)) res.setHeader(name, value);
      return lease;
    } catch (error) {
      if (!(error instanceof ApfRejection)) throw error;
      if (!res.headersSent && !res.writableEnded) {
        try {
          res.writeHead(error.statusCode, { ...error.headers });
          res.end(error.body);
        } catch {
          // The client is gone (its stream closed while the request was queued): nothing to answer.
        }
      }
      return undefined;
    }
  }

  close(): void {
    this.fc.close();
  }
}
