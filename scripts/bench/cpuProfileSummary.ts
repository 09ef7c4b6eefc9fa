// Reads a V8 CPU profile (.cpuprofile, the DevTools Profiler.Profile format: nodes with callFrame and hitCount,
// https://chromedevtools.github.io/devtools-protocol/v8/Profiler/#type-Profile) and sums self time per function and
// per area (Node's http2, TLS, streams, events; this project's code; the garbage collector; idle), so the bench can
// say where a thread's CPU went without opening DevTools.

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  /** Wall time the profile covers (ms). */
  wallMs: number;
  /** Share of samples per area, busy areas only (idle excluded from the denominator). */
  areas: { area: string; share: number }[];
  idleShare: number;
  /** The busiest functions by self time. */
  top: { fn: string; share: number }[];
}

export function areaOf(url: string, functionName: string): string {
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'native (program)';
  if (url.includes('/sim/gateway/')) return 'sim/gateway (ours)';
  if (url.includes('/sim/') || url.includes('/scripts/') || url.includes('/webhook/')) return 'other project code';
  if (url.includes('node_modules')) return 'dependencies';
  if (url.startsWith('node:internal/http2')) return 'node http2';
  if (url.startsWith('node:internal/tls') || url.startsWith('node:_tls') || url.startsWith('node:tls')) return 'node tls';
  if (url.startsWith('node:internal/streams') || url.startsWith('node:stream')) return 'node streams';
  if (url.startsWith('node:internal/async_hooks') || url.startsWith('node:async_hooks')) return 'node async_hooks';
  if (url.startsWith('node:events') || url.startsWith('node:internal/event_target')) return 'node events';
  if (url.startsWith('node:internal/crypto') || url.startsWith('node:crypto')) return 'node crypto';
  if (url.startsWith('node:internal/timers') || url.startsWith('node:timers')) return 'node timers';
  if (url.startsWith('node:')) return 'node other';
  if (url === '') return 'native / builtins';
  return 'other';
}

export function summarizeCpuProfile(profile: CpuProfile, topN = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // Self samples per node: from samples[] when present (exact), else hitCount.
  const hits = new Map<number, number>();
  if (profile.samples && profile.samples.length > 0) for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
  else for (const n of profile.nodes) hits.set(n.id, n.hitCount ?? 0);
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, count] of hits) {
    const node = byId.get(id);
    if (!node || count === 0) continue;
    const { url, functionName, lineNumber } = node.callFrame;
    total += count;
    const area = areaOf(url, functionName);
    if (area === 'idle') {
      idle += count;
      continue;
    }
    areas.set(area, (areas.get(area) ?? 0) + count);
    const short = url.replace(/^.*\/(sim|scripts|webhook|node_modules)\//, '$1/').replace(/^file:\/\//, '');
    const key = `${functionName || '(anonymous)'} ${short}${url ? `:${lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + count);
  }
  const busy = Math.max(1, total - idle);
  const sorted = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return {
    wallMs: (profile.endTime - profile.startTime) / 1000,
    areas: sorted(areas).map(([area, n]) => ({ area, share: round(n / busy) })),
    idleShare: round(idle / Math.max(1, total)),
    top: sorted(fns)
      .slice(0, topN)
      .map(([fn, n]) => ({ fn, share: round(n / busy) })),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
