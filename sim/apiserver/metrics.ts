// kube-apiserver metrics with the real names, label sets and buckets (k8s.io/apiserver/pkg/endpoints/metrics/
// metrics.go), one prom-client Registry per replica. Only resource requests are counted, as the instrumented REST
// handlers do; /metrics, /readyz, /livez, /healthz and discovery are not. With API Priority and Fairness on, the same
// registry also carries the apiserver_flowcontrol_* series (apf/metrics.ts), as one kube-apiserver process does.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ApfMetrics } from './apf/metrics.ts';

/** apiserver_request_duration_seconds buckets of kube-apiserver 1.30+. */
export const REQUEST_DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

export interface RequestLabels {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  dryRun: boolean;
}

export class ReplicaMetrics {
  readonly registry = new Registry();
  private readonly requestTotal: Counter;
  private readonly requestDuration: Histogram;
  private readonly inflight: Gauge;
  private readonly longRunning: Gauge;
  /** The APF series, when this process runs API Priority and Fairness. */
  readonly apf: ApfMetrics | undefined;

  constructor(options: { apf?: boolean } = {}) {
    const labels = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'];
    this.requestTotal = new Counter({
      name: 'apiserver_request_total',
      help: '[STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
      labelNames: [...labels, 'code'],
      registers: [this.registry],
    });
    this.requestDuration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: '[STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: labels,
      buckets: REQUEST_DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.inflight = new Gauge({
      name: 'apiserver_current_inflight_requests',
      help: '[STABLE] Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
      labelNames: ['request_kind'],
      registers: [this.registry],
    });
    this.longRunning = new Gauge({
      name: 'apiserver_longrunning_requests',
      help: '[STABLE] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
      registers: [this.registry],
    });
    this.inflight.set({ request_kind: 'readOnly' }, 0);
    this.inflight.set({ request_kind: 'mutating' }, 0);
    // The process collector's start time: how monitoring tells a restarted process (whose counters start again from
    // zero) from one whose counters merely grew. A new ReplicaMetrics is a new process.
    new Gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', registers: [this.registry] }).set(
      Date.now() / 1000,
    );
    this.apf = options.apf ? new ApfMetrics(this.registry) : undefined;
  }

  recordRequest(l: RequestLabels, code: number, seconds: number): void {
    const labels = requestLabelValues(l);
    this.requestTotal.inc({ ...labels, code: String(code) });
    this.requestDuration.observe(labels, seconds);
  }

  /**
   * A request APF rejected (metrics.RecordDroppedRequest): apiserver_request_total with code 429 only; the request
   * never reached the instrumented handler, so no duration is observed.
   */
  recordDropped(l: RequestLabels): void {
    this.requestTotal.inc({ ...requestLabelValues(l), code: '429' });
  }

  setInflightWatermark(readOnly: number, mutating: number): void {
    this.inflight.set({ request_kind: 'readOnly' }, readOnly);
    this.inflight.set({ request_kind: 'mutating' }, mutating);
  }

  longRunningDelta(l: RequestLabels, delta: number): void {
    this.longRunning.inc(
      { verb: l.verb, group: l.group, version: l.version, resource: l.resource, subresource: l.subresource, scope: l.scope, component: 'apiserver' },
      delta,
    );
  }
}

/** The label values of apiserver_request_total and apiserver_request_duration_seconds (without code) for a request. */
function requestLabelValues(l: RequestLabels) {
  return {
    verb: l.verb,
    dry_run: l.dryRun ? 'All' : '',
    group: l.group,
    version: l.version,
    resource: l.resource,
    subresource: l.subresource,
    scope: l.scope,
    component: 'apiserver',
  };
}
