// Certificates for deploying the webhook: a CA and a serving certificate for the webhook Service's DNS names, made
// with the project's PKI (@peculiar/x509, ECDSA P-256). The CA goes into the MutatingWebhookConfiguration as
// caBundle (base64 of the PEM), which is how kube-apiserver verifies the webhook (admissionregistration/v1
// WebhookClientConfig.caBundle).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createCertificateAuthority, issueCertificate } from './x509.ts';
import { CERTIFICATE_FILES } from './constants.ts';

export interface WebhookCertificateRequest {
  /** DNS SANs, e.g. serviceDnsNames(service, namespace). */
  dnsNames: string[];
  ipAddresses?: string[];
  /** Serving certificate validity; default 365 days (the CA gets 10 years). */
  validDays?: number;
}

export interface WebhookCertificates {
  caPem: string;
  caKeyPem: string;
  certPem: string;
  keyPem: string;
  /** base64(caPem): the value of clientConfig.caBundle. */
  caBundle: string;
}

const DNS_NAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The names kube-apiserver may use for a Service reference: it dials <svc>.<ns>.svc and checks that name. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

export async function generateWebhookCertificates(request: WebhookCertificateRequest): Promise<WebhookCertificates> {
  const dnsNames = request.dnsNames.map((n) => n.trim()).filter((n) => n !== '');
  const ipAddresses = (request.ipAddresses ?? []).map((n) => n.trim()).filter((n) => n !== '');
  if (dnsNames.length === 0 && ipAddresses.length === 0) throw new Error('give at least one DNS name or IP address for the serving certificate');
  for (const name of dnsNames) {
    if (name.length > 253 || !DNS_NAME.test(name)) throw new Error(`"${name}" is not a valid DNS name (lower-case RFC 1123, e.g. my-webhook.my-namespace.svc)`);
  }
  for (const ip of ipAddresses) if (net.isIP(ip) === 0) throw new Error(`"${ip}" is not an IP address`);
  const validDays = request.validDays ?? 365;
  if (!Number.isInteger(validDays) || validDays < 1 || validDays > 3650) throw new Error(`validDays must be an integer from 1 to 3650, got ${validDays}`);
  const ca = await createCertificateAuthority('pod-kube-apiserver-load-balancing webhook CA');
  const serving = await issueCertificate(ca, { commonName: dnsNames[0] ?? ipAddresses[0]!, dnsNames, ipAddresses, usage: 'server', validDays });
  return {
    caPem: ca.certPem,
    caKeyPem: ca.keyPem,
    certPem: serving.certPem,
    keyPem: serving.keyPem,
    caBundle: Buffer.from(ca.certPem, 'utf8').toString('base64'),
  };
}

/** Writes the CERTIFICATE_FILES into `dir`; the keys get mode 0600. */
export function writeWebhookCertificates(dir: string, certs: WebhookCertificates): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: [string, string, number][] = [
    [CERTIFICATE_FILES.caCert, certs.caPem, 0o644],
    [CERTIFICATE_FILES.caKey, certs.caKeyPem, 0o600],
    [CERTIFICATE_FILES.cert, certs.certPem, 0o644],
    [CERTIFICATE_FILES.key, certs.keyPem, 0o600],
  ];
  return files.map(([name, content, mode]) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content, { mode });
    fs.chmodSync(file, mode);
    return file;
  });
}

/** Accepts a caBundle as base64 of a PEM (what `certs` prints) or as the PEM itself; returns the base64 form. */
export function normalizeCaBundle(value: string): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('-----BEGIN CERTIFICATE-----')) return Buffer.from(value, 'utf8').toString('base64');
  if (!/^[A-Za-z0-9+/]+=*$/.test(trimmed)) throw new Error('the CA bundle must be base64 of a PEM certificate (as `certs` prints it) or a PEM');
  const pem = Buffer.from(trimmed, 'base64').toString('utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('the CA bundle decodes from base64 but is not a PEM certificate');
  return trimmed;
}
