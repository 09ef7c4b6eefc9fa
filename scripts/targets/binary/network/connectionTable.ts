// The node's connection tracking table (docs/binary-target-network.md#connections): every TCP connection between pods,
// to a Service and to the replicas passes the node namespace (bridged frames go through its netfilter,
// bridge-nf-call-iptables), so its conntrack table holds each one, with the original tuple (what the client dialled,
// a ClusterIP for kube-proxy's path) and the reply tuple (who answers: the replica after kube-proxy's DNAT). And
// kube-proxy's DNAT rules count the connections they sent to each endpoint: the nat table sees only a connection's
// first packet, so a KUBE-SEP chain's DNAT packet counter (`iptables-save -c`) is the number of connections opened
// to that endpoint through the Service (netfilter's nat table: conntrack(8), iptables-extensions(8) DNAT).
import { run } from './hostTools.ts';

export interface TrackedConnection {
  state: string;
  /** What the client dialled. */
  original: { src: string; dst: string; sport: number; dport: number };
  /** Who answers: the endpoint after any DNAT. */
  reply: { src: string; dst: string; sport: number; dport: number };
}

const TUPLE = /src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)/g;

/** `conntrack -L -p tcp` output (one connection per line) → its TCP connections. */
export function parseConntrack(text: string): TrackedConnection[] {
  const connections: TrackedConnection[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'tcp') continue;
    const tuples = [...line.matchAll(TUPLE)].map((m) => ({ src: m[1]!, dst: m[2]!, sport: Number(m[3]), dport: Number(m[4]) }));
    if (tuples.length < 2) continue;
    connections.push({ state: fields[3]!, original: tuples[0]!, reply: tuples[1]! });
  }
  return connections;
}

export async function trackedConnections(namespace: string): Promise<TrackedConnection[]> {
  return parseConntrack(await run('ip', ['netns', 'exec', namespace, 'conntrack', '-L', '-p', 'tcp'], { timeoutMs: 10_000 }));
}

const DNAT_WITH_COUNTERS = /^\[(\d+):\d+\] -A (KUBE-SEP-\S+) .*-j DNAT --to-destination (\S+)$/;

/** `iptables-save -c -t nat` → connections kube-proxy's rules sent to each endpoint (`ip:port`), over all its Services. */
export function dnatConnectionCounts(saveWithCounters: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of saveWithCounters.split('\n')) {
    const m = DNAT_WITH_COUNTERS.exec(line);
    if (m) counts.set(m[3]!, (counts.get(m[3]!) ?? 0) + Number(m[1]));
  }
  return counts;
}

export async function natCounters(namespace: string): Promise<Map<string, number>> {
  return dnatConnectionCounts(await run('ip', ['netns', 'exec', namespace, 'iptables-save', '-c', '-t', 'nat']));
}
