// The webhook's /metrics: controller-runtime's webhook metrics (pkg/webhook/internal/metrics: requests by HTTP code,
// latency, in-flight) plus admissions by outcome, in a private prom-client Registry.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { WEBHOOK_PATH } from './constants.ts';

/**
 * How the webhook answered one admission request (the `result` label of the admissions counter). Not the simulator's
 * AdmissionResult (sim/apiserver/admissionHook.ts), which is what an admission plugin hands back to kube-apiserver.
 */
export type AdmissionOutcome = 'mutated' | 'unchanged' | 'skipped' | 'denied' | 'errored';

export class WebhookMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'controller_runtime_webhook_requests_total',
    help: 'Total number of admission requests by HTTP status code.',
    labelNames: ['code', 'webhook'],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: 'controller_runtime_webhook_latency_seconds',
    help: 'Histogram of the latency of processing admission requests',
    labelNames: ['webhook'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly inFlight = new Gauge({
    name: 'controller_runtime_webhook_requests_in_flight',
    help: 'Current number of admission requests being served.',
    labelNames: ['webhook'],
    registers: [this.registry],
  });
  private readonly admissions = new Counter({
    name: 'pod_kube_apiserver_load_balancing_admissions_total',
    help: 'Admissions by result: mutated, unchanged (already mutated: reinvocation), skipped (no generic kubeconfig, no ConfigMap, DELETE), denied, errored (bad request or internal error).',
    labelNames: ['result'],
    registers: [this.registry],
  });

  start(): () => void {
    this.inFlight.inc({ webhook: WEBHOOK_PATH });
    const end = this.latency.startTimer({ webhook: WEBHOOK_PATH });
    return () => {
      end();
      this.inFlight.dec({ webhook: WEBHOOK_PATH });
    };
  }

  request(code: number): void {
    this.requests.inc({ code: String(code), webhook: WEBHOOK_PATH });
  }

  admission(result: AdmissionOutcome): void {
    this.admissions.inc({ result });
  }
}
