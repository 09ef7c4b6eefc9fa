// What the terminating gateway does to every request before it picks an upstream host, in the order of Envoy's HTTP
// filter chain on listener 9443 (docs/gardener.md#envoyfilters), for HTTP/2 streams and HTTP/1.1 requests alike:
// 1. `misdirected-requests` Lua: 421 when SNI and :authority differ;
// 2. `apiserver-tls-termination` Lua: strip client X-Remote-User/Group; with a verified client certificate, 400 on an
//    empty CN, else set X-Remote-User/Group from it and route to the `-mtls` cluster;
// 3. the VirtualService routes: `Connection: Upgrade` + `Upgrade` → `-connection-upgrade`, everything else → default.
// The protocol paths only differ in how they read and write headers (h2Forwarder.ts, h1Forwarder.ts).
import type { TLSSocket } from 'node:tls';
import { clientCertIdentity, isMisdirected, REMOTE_IDENTITY_HEADERS, type ClientCertIdentity } from './luaFilters.ts';
import type { ClusterKind } from './upstreamCluster.ts';

export type RouteKind = Exclude<ClusterKind, 'passthrough'>;

export type FilterDecision = { action: 'reply'; status: number; body: string } | { action: 'route'; route: RouteKind; identity?: ClientCertIdentity };

export interface RequestView {
  sni: string;
  authority: string | undefined;
  /** The request asks for a protocol upgrade (HTTP/1.1 `Connection: Upgrade` with an `Upgrade` header). */
  upgrade: boolean;
}

export function runFilterChain(request: RequestView, socket: TLSSocket | undefined): FilterDecision {
  if (isMisdirected(request.sni, request.authority)) return { action: 'reply', status: 421, body: 'Misdirected Request' };
  const identity = socket ? clientCertIdentity(socket) : undefined;
  if (identity) {
    if (identity.commonName === '') return { action: 'reply', status: 400, body: 'Invalid certificate subject' };
    // The mTLS route is inserted before the others (an HTTP_ROUTE INSERT_BEFORE EnvoyFilter), upgrades included.
    return { action: 'route', route: 'mtls', identity };
  }
  return { action: 'route', route: request.upgrade ? 'connection-upgrade' : 'default' };
}

/** Applies the Lua filter's header rules to a request header record, in place. */
export function applyIdentityHeaders(headers: Record<string, unknown>, identity: ClientCertIdentity | undefined): void {
  // `delete` only when present: deleting turns a V8 object into a slow dictionary, and most requests carry neither.
  for (const name of REMOTE_IDENTITY_HEADERS) if (name in headers) delete headers[name];
  if (!identity) return;
  headers['x-remote-user'] = identity.commonName;
  if (identity.organizations.length > 0) headers['x-remote-group'] = identity.organizations;
}
