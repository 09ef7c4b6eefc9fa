// An Envoy upstream cluster as Gardener's DestinationRules define it (reference §4.2): `<name>` (TLS SIMPLE, the
// default route), `<name>-mtls` (TLS MUTUAL with the gateway's front-proxy client certificate) and
// `<name>-connection-upgrade` (HTTP/1.1 ALPN for websocket/SPDY). All three point at the same kube-apiserver pods,
// but each keeps its own per-host counters, so LEAST_REQUEST compares active requests within one cluster.
import type { Rng } from '../random.ts';
import { toUpstreamEndpoint, type EndpointAddress, type LoadBalancer, type UpstreamEndpoint } from './endpoint.ts';
import { createBalancer, type LbPolicy } from './lbPolicy.ts';

export type ClusterKind = 'default' | 'mtls' | 'connection-upgrade';

export class UpstreamCluster {
  private hosts: UpstreamEndpoint[];
  private readonly balancer: LoadBalancer;
  /** Hosts removed by an EDS update; kept for stats and draining. */
  private readonly retired = new Map<string, UpstreamEndpoint>();

  constructor(readonly kind: ClusterKind, endpoints: EndpointAddress[], policy: LbPolicy, rng: Rng, choiceCount: number) {
    this.hosts = endpoints.map(toUpstreamEndpoint);
    this.balancer = createBalancer(policy, rng, choiceCount);
  }

  pick(exclude?: ReadonlySet<string>): UpstreamEndpoint | undefined {
    const candidates = exclude && exclude.size > 0 ? this.hosts.filter((h) => !exclude.has(h.name)) : this.hosts;
    return this.balancer.pick(candidates.length > 0 ? candidates : this.hosts);
  }

  get size(): number {
    return this.hosts.length;
  }

  /** EDS update: new hosts start with zero counters (so P2C favours them); removed hosts take no new requests. */
  setEndpoints(endpoints: EndpointAddress[]): string[] {
    const next = endpoints.map((e) => this.hosts.find((h) => h.name === e.name && h.ip === e.ip && h.port === e.port) ?? this.retired.get(e.name) ?? toUpstreamEndpoint(e));
    const removed = this.hosts.filter((h) => !next.includes(h));
    for (const h of removed) this.retired.set(h.name, h);
    for (const h of next) this.retired.delete(h.name);
    this.hosts = next;
    return removed.map((h) => h.name);
  }

  stats(): Record<string, { requests: number; active: number }> {
    const out: Record<string, { requests: number; active: number }> = {};
    for (const h of [...this.hosts, ...this.retired.values()]) out[h.name] = { requests: h.total, active: h.active };
    return out;
  }
}
