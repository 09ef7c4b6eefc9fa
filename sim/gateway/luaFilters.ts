// The request rules Gardener adds to the istio ingress gateway as Lua EnvoyFilters (docs/gardener.md#envoyfilters):
// - `misdirected-requests`: 421 when the TLS SNI and the HTTP :authority differ, except for an allowed ":443"
//   suffix on the authority (charts/istio/istio-ingress/templates/misdirected-requests-envoy-filter.yaml);
// - `apiserver-tls-termination`: always remove X-Remote-User / X-Remote-Group from the client (anti-spoofing);
//   with a client certificate, 400 "Invalid certificate subject" on an empty CN, else set X-Remote-User to the CN
//   and one X-Remote-Group per non-empty O, and route to the `-mtls` cluster.
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';

export function isMisdirected(sni: string | false | undefined, authority: string | undefined): boolean {
  if (!sni) return false; // the filter only acts when an SNI was sent
  const a = (authority ?? '').toLowerCase();
  const s = sni.toLowerCase();
  if (s.startsWith('*.')) return !a.includes(s.slice(1));
  if (s === a) return false;
  return !(a.endsWith(':443') && s === a.slice(0, -4));
}

export const REMOTE_IDENTITY_HEADERS = ['x-remote-user', 'x-remote-group'];

export interface ClientCertIdentity {
  commonName: string;
  organizations: string[];
}

/** The verified client certificate of a downstream connection, or undefined (token clients). Cached per socket. */
const identities = new WeakMap<object, ClientCertIdentity | null>();

export function clientCertIdentity(socket: TLSSocket): ClientCertIdentity | undefined {
  const cached = identities.get(socket);
  if (cached !== undefined) return cached ?? undefined;
  let identity: ClientCertIdentity | null = null;
  if (socket.authorized) {
    const raw = socket.getPeerCertificate()?.raw;
    if (raw && raw.length > 0) {
      const subject = new X509Certificate(raw).subject.split('\n');
      identity = {
        commonName: subject.find((l) => l.startsWith('CN='))?.slice(3) ?? '',
        organizations: subject
          .filter((l) => l.startsWith('O='))
          .map((l) => l.slice(2))
          .filter((o) => o !== ''),
      };
    }
  }
  identities.set(socket, identity);
  return identity ?? undefined;
}

/** The SNI the client sent on this TLS connection ('' when none); Node sets `servername` at runtime. */
export function sniOf(socket: TLSSocket | undefined): string {
  return ((socket as (TLSSocket & { servername?: string | false }) | undefined)?.servername || '') as string;
}
