// The report's gateway accounting section (docs/scenarios.md#gateway-accounting): read from the results file, per pod
// and per replica, with the note on what simulated CPU and memory stand for; absent for results without it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeResults } from '../../scripts/report/load.ts';
import { renderReport } from '../../scripts/report/render.ts';
import { SIMULATED_GATEWAY_NOTE } from '../../scripts/runner/gatewayAccounting.ts';

const raw = () => JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'hot-client-v2.json'), 'utf8'));

describe('the gateway accounting section', () => {
  it('shows every gateway pod and the replicas’ upstream connections from the results file', () => {
    const results = raw();
    const l7 = results.modes.find((m: { mode: string }) => m.mode === 'l7');
    l7.gatewayAccounting = {
      note: SIMULATED_GATEWAY_NOTE,
      pods: ['istio-ingressgateway-0', 'istio-ingressgateway-1'].map((pod, i) => ({
        pod,
        downstreamConnections: { accepted: 30 + i, open: 28 + i },
        upstreamConnections: 6,
        upstreamByControlPlane: { 'shoot--local--hot': 3, 'shoot--local--quiet': 3 },
        upstreamByReplica: {},
        requests: 1000,
        activeRequests: { now: 0, peak: 41 + i },
        cpuCores: 0.25,
        memoryMiB: 17,
      })),
      replicas: { 'kube-apiserver-0': 2, 'kube-apiserver-1': 2, 'quiet/kube-apiserver-0': 1 },
      upstreamPerReplicaMax: 2,
    };
    const html = renderReport(normalizeResults(results));
    const section = html.slice(html.indexOf('<section id="gateway-accounting">'));
    expect(section).toContain('istio-ingressgateway-1');
    expect(section).toContain('29 / 31');
    expect(section).toContain('2 (3–3 each)');
    expect(section).toContain('0 / 42');
    expect(section).toContain('1–2');
    expect(section).toContain('do not stand for Envoy');
  });

  it('is left out when no mode has gateway accounting', () => {
    expect(renderReport(normalizeResults(raw()))).not.toContain('id="gateway-accounting"');
  });
});
