// Reading a V8 CPU profile (scripts/bench/cpuProfileSummary.ts): self time per area and per function, idle apart.
import { describe, expect, it } from 'vitest';
import { areaOf, summarizeCpuProfile, type CpuProfile } from '../../scripts/bench/cpuProfileSummary.ts';

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

describe('cpu profile summary', () => {
  it('areas by url and function name', () => {
    expect(areaOf('file:///work/main/sim/gateway/h2Forwarder.ts', 'onResponse')).toBe('sim/gateway (ours)');
    expect(areaOf('node:internal/http2/core', 'request')).toBe('node http2');
    expect(areaOf('node:_tls_wrap', 'x')).toBe('node tls');
    expect(areaOf('', '(garbage collector)')).toBe('gc');
    expect(areaOf('', '(idle)')).toBe('idle');
    expect(areaOf('file:///x/node_modules/hdr/index.js', 'f')).toBe('dependencies');
  });

  it('self samples from samples[] (over hitCount), shares of the busy time, idle reported apart', () => {
    const profile: CpuProfile = {
      startTime: 0,
      endTime: 2_000_000,
      nodes: [
        { id: 1, callFrame: frame('(root)', ''), children: [2, 3, 4] },
        { id: 2, callFrame: frame('(idle)', ''), hitCount: 99 },
        { id: 3, callFrame: frame('forward', 'file:///w/sim/gateway/h2Forwarder.ts', 9) },
        { id: 4, callFrame: frame('(garbage collector)', '') },
      ],
      samples: [2, 2, 2, 2, 3, 3, 3, 4],
    };
    const s = summarizeCpuProfile(profile);
    expect(s.wallMs).toBe(2000);
    expect(s.idleShare).toBe(0.5);
    expect(s.areas).toEqual([
      { area: 'sim/gateway (ours)', share: 0.75 },
      { area: 'gc', share: 0.25 },
    ]);
    expect(s.top[0]).toEqual({ fn: 'forward sim/gateway/h2Forwarder.ts:10', share: 0.75 });
  });

  it('hitCount when there are no samples', () => {
    const s = summarizeCpuProfile({ startTime: 0, endTime: 1000, nodes: [{ id: 1, callFrame: frame('f', 'node:events'), hitCount: 4 }] });
    expect(s.areas).toEqual([{ area: 'node events', share: 1 }]);
  });
});
