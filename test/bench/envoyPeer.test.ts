// Real Envoy as the gateway bench's peer (scripts/bench/envoyPeer.ts): on the bench's testbed it terminates TLS with
// the replicas' certificate, balances each request over the three replicas and answers them over HTTP/2 upstreams.
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { findEnvoyPeer, startEnvoyOnTestbed } from '../../scripts/bench/envoyPeer.ts';
import { BENCH_HOST, BENCH_TOKEN, OBJECT_PATH, Testbed, totalsDelta } from '../../scripts/bench/testbed.ts';
import { itWithBinaries } from '../helpers/binaries.ts';
import { h2request } from '../helpers/h2.ts';

describe('the Envoy gateway peer', () => {
  itWithBinaries('envoy')('spreads GETs over every replica, per request, through one connection', async () => {
    const peer = findEnvoyPeer();
    if (!peer.ok) throw new Error(peer.message);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-peer-test-'));
    const bed = await Testbed.start(3);
    try {
      const envoy = await startEnvoyOnTestbed(bed, peer.binary, dir);
      const before = await bed.replicaTotals();
      const session = http2.connect(`https://${envoy.address}`, { ca: bed.caPem, servername: BENCH_HOST });
      const statuses: number[] = [];
      try {
        for (let i = 0; i < 60; i++) {
          const batch = Array.from({ length: 5 }, () => h2request(session, { ':method': 'GET', ':path': OBJECT_PATH, authorization: `Bearer ${BENCH_TOKEN}` }));
          for (const response of await Promise.all(batch)) statuses.push(response.status);
        }
      } finally {
        session.close();
      }
      const perReplica = Object.values(totalsDelta(await bed.replicaTotals(), before));
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect(perReplica.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(300);
      // One client connection, yet every replica gets a share: per-request balancing (random alone gives each
      // replica 100 ± 8; any replica under 50 would mean per-connection pinning or a dead endpoint).
      for (const count of perReplica) expect(count).toBeGreaterThan(50);
    } finally {
      await bed.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
