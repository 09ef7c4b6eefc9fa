// How the requests that got no good answer ended, by kind (docs/results.md#failures): nothing a client tried is
// lost silently. From the clients' own accounting: transport errors by kind, and each request's final answer (after
// client-go's retries): a reply the gateway made itself, or an apiserver's 429 or 5xx.
import type { FailureSummary } from './results.ts';
import type { ClientRunResult } from '../core/clientPod.ts';

/** Client error kinds (sim/clients/accounting.ts) → the kinds results report. */
const KIND: Record<string, string> = {
  reset: 'reset',
  'reset-during-response': 'reset',
  refused: 'refused',
  timeout: 'timeout',
  dns: 'dns',
  connect: 'connect',
  tls: 'tls',
  cancelled: 'cancelled',
  'cancelled-at-end': 'cancelled',
};

export function failureKind(clientError: string): string {
  const kind = clientError.startsWith('watch-') ? clientError.slice('watch-'.length) : clientError;
  return KIND[kind] ?? 'other';
}

export function failureSummary(results: readonly ClientRunResult[], warmUp: { pod: string; error: string }[] = []): FailureSummary {
  const byKind: Record<string, number> = {};
  const add = (kind: string, n: number) => {
    if (n > 0) byKind[kind] = (byKind[kind] ?? 0) + n;
  };
  let retried = 0;
  for (const r of results) {
    for (const [error, n] of Object.entries(r.errors)) add(failureKind(error), n);
    for (const n of Object.values(r.finalGatewayByCode)) add('gateway', n);
    for (const [code, n] of Object.entries(r.finalByCode)) {
      if (code === '429') add('tooManyRequests', n);
      else if (Number(code) >= 500) add('serverError', n);
    }
    for (const n of Object.values(r.retries)) retried += n;
  }
  return { byKind, retried, finallyFailed: Object.values(byKind).reduce((a, b) => a + b, 0), warmUp };
}
