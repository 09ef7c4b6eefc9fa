// Certificate authorities and leaf certificates, generated in memory with @peculiar/x509 (pure JS on WebCrypto,
// ECDSA P-256). The webhook's `certs` command uses it for its serving certificate; the cluster model
// (scripts/cluster/certificates.ts) issues every certificate of a planned cluster with it, for both targets.
// Keys never touch the disk unless a caller writes the PEMs out.
import { webcrypto, X509Certificate as NodeX509 } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A certificate and its private key, both PEM. This is all a TLS endpoint needs; it crosses worker boundaries. */
export interface KeyPairPem {
  certPem: string;
  keyPem: string;
}

/** A certificate authority that can issue certificates in this process. */
export interface CertificateAuthority extends KeyPairPem {
  name: string;
  /** Kept in memory to sign leaf certificates; not serialisable. */
  signingKey: CryptoKey;
  subject: string;
}

export interface LeafRequest {
  commonName: string;
  /** Organizations (O=); kube-apiserver maps them to groups for client certificates. */
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /** serverAuth, clientAuth, or both. */
  usage: 'server' | 'client' | 'server+client';
  validDays?: number;
}

function escapeDnValue(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}

function subjectOf(commonName: string, organizations: string[] = []): string {
  return [`CN=${escapeDnValue(commonName)}`, ...organizations.map((o) => `O=${escapeDnValue(o)}`)].join(', ');
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Creates a self-signed CA (basicConstraints CA:true, keyCertSign). */
export async function createCertificateAuthority(name: string, validDays = 3650): Promise<CertificateAuthority> {
  const keys = await keyPair();
  const subject = subjectOf(name);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: subject,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validDays * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { name, subject, signingKey: keys.privateKey, certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** Issues a leaf certificate signed by the CA. */
export async function issueCertificate(ca: CertificateAuthority, request: LeafRequest): Promise<KeyPairPem> {
  const keys = await keyPair();
  const now = Date.now();
  const usages: string[] = [];
  if (request.usage.includes('server')) usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (request.usage.includes('client')) usages.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(usages),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(new x509.X509Certificate(ca.certPem)),
  ];
  const names = [
    ...(request.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
    ...(request.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const cert = await x509.X509CertificateGenerator.create({
    subject: subjectOf(request.commonName, request.organizations),
    issuer: ca.subject,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (request.validDays ?? 365) * DAY_MS),
    extensions,
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/** Checks that a PEM certificate was signed by the CA (used by tests and by startup sanity checks). */
export function isSignedBy(certPem: string, caPem: string): boolean {
  return new NodeX509(certPem).verify(new NodeX509(caPem).publicKey);
}
