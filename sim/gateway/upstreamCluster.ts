// An Envoy upstream cluster as Gardener's DestinationRules define it (docs/gardener.md#istio-objects): `<name>` (TLS
// SIMPLE, the default route), `<name>-mtls` (TLS MUTUAL with the gateway's front-proxy client certificate) and
// `<name>-connection-upgrade` (HTTP/1.1 ALPN for websocket/SPDY), plus the passthrough cluster of L4 mode. All point
// at the same kube-apiserver pods, but each keeps its own per-host counters, so LEAST_REQUEST compares active
// requests within one cluster.
//
// The counting happens here and nowhere else: `acquire()` picks a host and counts the request on it (active++,
// total++); the lease's `release()` ends it (active--) exactly once, however often a caller's close, error and
// timeout paths call it. The HTTP/2, HTTP/1.1 and passthrough paths all hold a lease per request (or connection).
// A pod's clusters may share one ActiveRequests gauge (the pod's requests in flight and their peak).
import type { Endpoint } from '../../scripts/core/endpoint.ts';
import type { Rng } from '../../scripts/core/random.ts';
import type { ActiveRequests } from './activeRequests.ts';
import { createBalancer, type LbPolicy } from './lbPolicy.ts';
import { toUpstreamHost, type LoadBalancer, type UpstreamHost } from './upstreamHost.ts';

export type ClusterKind = 'default' | 'mtls' | 'connection-upgrade' | 'passthrough';

export interface UpstreamLease {
  readonly host: UpstreamHost;
  /** Ends the request on its host. Idempotent. */
  release(): void;
}

/** A lease as a small object with a method (no closure per request: this runs for every request). */
class HostLease implements UpstreamLease {
  private released = false;

  constructor(
    readonly host: UpstreamHost,
    private readonly gauge: ActiveRequests | undefined,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    this.host.active--;
    this.gauge?.ended();
  }
}

export class UpstreamCluster {
  private hosts: UpstreamHost[];
  private readonly balancer: LoadBalancer;
  /** Hosts removed by an EDS update: no new requests, but their counters stay for stats and draining. */
  private readonly retired = new Map<string, UpstreamHost>();

  constructor(
    readonly kind: ClusterKind,
    endpoints: Endpoint[],
    policy: LbPolicy,
    rng: Rng,
    choiceCount: number,
    private readonly gauge?: ActiveRequests,
  ) {
    this.hosts = endpoints.map(toUpstreamHost);
    this.balancer = createBalancer(policy, rng, choiceCount);
  }

  /**
   * Picks a host for one request (or connection) and counts it there; undefined when no host is healthy. `exclude`
   * names hosts already tried by this request (Envoy's retry host predicate previous_hosts); when every host was
   * tried, any host may be picked again.
   */
  acquire(exclude?: ReadonlySet<string>): UpstreamLease | undefined {
    const candidates = exclude && exclude.size > 0 ? this.hosts.filter((h) => !exclude.has(h.name)) : this.hosts;
    const host = this.balancer.pick(candidates.length > 0 ? candidates : this.hosts);
    if (!host) return undefined;
    host.active++;
    host.total++;
    this.gauge?.started();
    return new HostLease(host, this.gauge);
  }

  get size(): number {
    return this.hosts.length;
  }

  /** EDS update: new hosts start with zero counters (so P2C favours them); removed hosts take no new requests. */
  setEndpoints(endpoints: Endpoint[]): string[] {
    const next = endpoints.map(
      (e) => this.hosts.find((h) => h.name === e.name && h.ip === e.ip && h.port === e.port) ?? this.retired.get(e.name) ?? toUpstreamHost(e),
    );
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
