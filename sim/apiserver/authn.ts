// Authentication in kube-apiserver's order (k8s.io/apiserver/pkg/authentication/request/union): the request-header
// authenticator (only for connections whose client certificate chains to --requestheader-client-ca-file, here the
// front-proxy CA; Gardener sets no --requestheader-allowed-names, docs/gardener.md#kube-apiserver-flags), x509 client certificates from the
// client CA (CN = user, O = groups), then bearer tokens. Everything else is anonymous, which this simulator answers
// with 401 for resource requests (anonymous auth is off in Gardener's kube-apiservers).
import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { UserInfo } from './admissionHook.ts';

export interface AuthnConfig {
  /** --client-ca-file; without it x509 client certificates authenticate nobody. */
  clientCaPem?: string;
  /** --requestheader-client-ca-file; without it X-Remote-* headers are never trusted. */
  frontProxyCaPem?: string;
  tokens: Record<string, { user: string; groups: string[] }>;
}

type PeerIdentity = { via: 'front-proxy' } | { via: 'client-cert'; user: UserInfo } | { via: 'none' };

export class Authenticator {
  private readonly clientCa: X509Certificate | undefined;
  private readonly frontProxyCa: X509Certificate | undefined;
  /** The peer certificate is a property of the connection: verify it once per socket. */
  private readonly peerCache = new WeakMap<object, PeerIdentity>();

  constructor(private readonly config: AuthnConfig) {
    this.clientCa = config.clientCaPem ? new X509Certificate(config.clientCaPem) : undefined;
    this.frontProxyCa = config.frontProxyCaPem ? new X509Certificate(config.frontProxyCaPem) : undefined;
  }

  authenticate(socket: TLSSocket, headers: Record<string, string | string[] | undefined>): UserInfo | undefined {
    const peer = this.peerIdentity(socket);
    if (peer.via === 'front-proxy') {
      const user = first(headers['x-remote-user']);
      if (user) {
        const groups = all(headers['x-remote-group']);
        const extra: Record<string, string[]> = {};
        for (const [name, value] of Object.entries(headers)) {
          if (name.startsWith('x-remote-extra-') && value !== undefined) extra[decodeURIComponent(name.slice('x-remote-extra-'.length))] = all(value);
        }
        return withAuthenticated({ username: user, groups, ...(Object.keys(extra).length ? { extra } : {}) });
      }
    }
    if (peer.via === 'client-cert') return withAuthenticated(peer.user);
    const authorization = first(headers.authorization);
    const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
    if (match) {
      const entry = this.config.tokens[match[1]!];
      if (entry) return withAuthenticated({ username: entry.user, groups: [...entry.groups] });
    }
    return undefined;
  }

  private peerIdentity(socket: TLSSocket): PeerIdentity {
    const cached = this.peerCache.get(socket);
    if (cached) return cached;
    let identity: PeerIdentity = { via: 'none' };
    const raw = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate()?.raw : undefined;
    if (raw && raw.length > 0) {
      const cert = new X509Certificate(raw);
      if (this.frontProxyCa && signedBy(cert, this.frontProxyCa)) identity = { via: 'front-proxy' };
      else if (this.clientCa && signedBy(cert, this.clientCa)) {
        const subject = parseSubject(cert.subject);
        identity = { via: 'client-cert', user: { username: subject.CN?.[0] ?? '', groups: subject.O ?? [] } };
      }
    }
    this.peerCache.set(socket, identity);
    return identity;
  }
}

function signedBy(cert: X509Certificate, ca: X509Certificate): boolean {
  const now = Date.now();
  return cert.checkIssued(ca) && cert.verify(ca.publicKey) && Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

function parseSubject(subject: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of subject.split('\n')) {
    const index = line.indexOf('=');
    if (index <= 0) continue;
    const key = line.slice(0, index);
    (out[key] ??= []).push(line.slice(index + 1));
  }
  return out;
}

function withAuthenticated(user: UserInfo): UserInfo {
  return user.groups.includes('system:authenticated') ? user : { ...user, groups: [...user.groups, 'system:authenticated'] };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function all(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}
