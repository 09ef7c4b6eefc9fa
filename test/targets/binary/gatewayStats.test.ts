// Envoy's admin counters as the runner reads them (scripts/targets/binary/envoy/gatewayStats.ts), from the stat names
// Envoy 1.37 prints: each worker repeats the listener's downstream counters, which must not be added to the
// listener's own (a run through one worker showed twice the connections the clients opened), and the admin listener
// and HTTP connection manager are not the gateway's.
import { describe, expect, it } from 'vitest';
import { parseGatewayStats } from '../../../scripts/targets/binary/envoy/gatewayStats.ts';

const stats = (entries: Record<string, number>) => ({ stats: Object.entries(entries).map(([name, value]) => ({ name, value })) });

describe('parseGatewayStats: downstream', () => {
  it("counts the listener's connections once, per worker only where asked, without admin's", () => {
    const parsed = parseGatewayStats(
      { cluster_statuses: [] },
      stats({
        'listener.127.124.2.1_9443.downstream_cx_active': 7,
        'listener.127.124.2.1_9443.downstream_cx_total': 14,
        'listener.127.124.2.1_9443.worker_0.downstream_cx_active': 3,
        'listener.127.124.2.1_9443.worker_0.downstream_cx_total': 6,
        'listener.127.124.2.1_9443.worker_1.downstream_cx_active': 4,
        'listener.127.124.2.1_9443.worker_1.downstream_cx_total': 8,
        'listener.admin.downstream_cx_active': 1,
        'listener.admin.downstream_cx_total': 1,
        'listener.admin.main_thread.downstream_cx_total': 1,
        'http.outbound_0.0.0.0_9443.downstream_rq_total': 300,
        'http.admin.downstream_rq_total': 5,
      }),
    );
    expect(parsed).toEqual({ downstreamCxActive: 7, downstreamCxTotal: 14, downstreamRqTotal: 300, downstreamCxActivePerWorker: [3, 4], clusters: {} });
  });
});
