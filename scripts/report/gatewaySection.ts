// The HTML report's gateway accounting (docs/scenarios.md#gateway-accounting): per mode and gateway pod its downstream
// and upstream connections, requests in flight, CPU and memory, then the replicas' upstream connections from the
// gateway, with the note on what the CPU and memory figures stand for. Nothing when no mode ran gateway pods.
import { esc, fmt, fmtInt } from './html.ts';
import type { ReportResults } from './load.ts';

type Table = (head: string[], rows: string[][], leftColumns?: number) => string;

export function gatewaySection(r: ReportResults, table: Table): string {
  const modes = r.modes.filter((m) => m.gatewayAccounting && m.gatewayAccounting.pods.length > 0);
  if (modes.length === 0) return '';
  const podRows = modes.flatMap((m) =>
    m.gatewayAccounting!.pods.map((p, i) => {
      const perCp = Object.values(p.upstreamByControlPlane);
      return [
        i === 0 ? `<b>${esc(m.mode)}</b>` : '',
        esc(p.pod),
        `${fmtInt(p.downstreamConnections.open)} / ${fmtInt(p.downstreamConnections.accepted)}`,
        fmtInt(p.upstreamConnections),
        perCp.length > 0 ? `${perCp.length} (${Math.min(...perCp)}–${Math.max(...perCp)} each)` : '0',
        fmtInt(p.requests),
        `${fmtInt(p.activeRequests.now)} / ${fmtInt(p.activeRequests.peak)}`,
        fmt(p.cpuCores, 2),
        fmt(p.memoryMiB, 0),
      ];
    }),
  );
  const replicaRows = modes.map((m) => {
    const counts = Object.values(m.gatewayAccounting!.replicas);
    return [
      `<b>${esc(m.mode)}</b>`,
      fmtInt(counts.length),
      counts.length > 0 ? `${Math.min(...counts)}–${Math.max(...counts)}` : '-',
      fmtInt(counts.reduce((a, b) => a + b, 0)),
    ];
  });
  return `<section id="gateway-accounting">
<h2>Gateway accounting</h2>
<p class="small muted">What the shared gateway pods hold at the end of the load phase. ${esc(modes[0]!.gatewayAccounting!.note)}.</p>
${table(['mode', 'gateway pod', 'downstream open / accepted', 'upstream conns', 'control planes (conns each)', 'requests', 'active now / peak', 'CPU cores', 'memory MiB'], podRows, 2)}
${table(['mode', 'replicas', 'upstream conns per replica', 'all'], replicaRows, 1)}
</section>`;
}
