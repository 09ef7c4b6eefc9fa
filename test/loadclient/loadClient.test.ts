// The Go load client (scripts/loadclient, docs/load-client.md): its own `go test ./...` (one connection per pod, a
// second only past the server's stream limit, reconnect after GOAWAY, 429 + Retry-After, QPS 5 / Burst 10, latency
// from the intended send time, the control port, exit 2 on bad input), and the contract with the runner: a result
// written by the Go program has exactly the keys of the simulator's ClientRunResult, and its HdrHistograms decode
// and merge with the runner's own code (scripts/measure/latency.ts, hdr-histogram-js decodeFromCompressedBase64).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect } from 'vitest';
import { LOAD_CLIENT_DIR } from '../../scripts/binaries/components.ts';
import { mergeEncodedHistograms } from '../../scripts/measure/latency.ts';
import { PodAccounting } from '../../sim/clients/accounting.ts';
import { itWithGo } from '../helpers/goTests.ts';
import type { ClientPodSpec } from '../../scripts/core/clientPod.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loadclient-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The keys of an object and of its nested plain objects, as `a`, `a.b`. */
function shape(value: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, v]) => {
    const name = `${prefix}${key}`;
    const nested = v !== null && typeof v === 'object' && !Array.isArray(v) && !/ByCode$|^errors$|^retries$/.test(key);
    return nested ? [name, ...shape(v as Record<string, unknown>, `${name}.`)] : [name];
  });
}

describe('the Go load client', () => {
  itWithGo(
    "passes its go test, and a result it wrote reads like the simulator pods' results",
    async (go) => {
      const out = path.join(dir, 'result.json');
      // -count=1: the result file is written by a test that really ran, not by go test's cache.
      const run = await execa(go.command, ['test', '-count=1', './...'], {
        cwd: LOAD_CLIENT_DIR,
        env: { ...process.env, LOADCLIENT_RESULT_OUT: out },
        reject: false,
        all: true,
        timeout: 600_000,
      });
      expect(run.exitCode, `go test failed:\n${(run.all ?? '').split('\n').slice(-40).join('\n')}`).toBe(0);

      const result = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown> & { latencyHistogram: string; sendLagHistogram: string };
      const simulated = new PodAccounting().result({ name: 'p', group: 'g', profile: 'client-go' } as ClientPodSpec);
      // ClientGoPod adds the warm-up's identity (PodIdentity: username, groups) to what PodAccounting reports.
      const identity = ['identity', 'identity.username', 'identity.groups'];
      expect(shape(result).sort()).toEqual([...shape(simulated as unknown as Record<string, unknown>), ...identity].sort());

      // TestLatencyIsMeasuredFromTheIntendedSendTime: 20 answers, queued up to ~2.85 s in client-go's token bucket.
      expect(result.finalByCode).toEqual({ '200': 20 });
      const latency = mergeEncodedHistograms([result.latencyHistogram]);
      expect(latency.count).toBe(20);
      expect(latency.maxMs).toBeGreaterThan(2700);
      expect(latency.maxMs).toBeLessThan(3200);
      const lag = mergeEncodedHistograms([result.sendLagHistogram]);
      expect(lag.count).toBe(20);
      expect(lag.maxMs).toBeLessThan(500);
    },
    660_000,
  );
});
