import https from 'node:https';
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../webhook/x509.ts';
import { clientPodIp, serviceIp, systemPodIp, type AddressPlan } from '../../scripts/cluster/addresses.ts';
import type { AddressLease } from '../../scripts/targets/local/addressLease.ts';
import podProxy from '../../sim/network/podProxy.ts';
import { startInProcessComponent } from '../../sim/runtime/startComponent.ts';
import { leaseTestAddresses } from '../helpers/controlPlane.ts';
import { itWithTool, toolPath } from '../helpers/tools.ts';

const HOST = 'api.hot.local.internal.local.gardener.cloud';

describe('pod proxy (a pod network namespace for external tools)', () => {
  let lease: AddressLease;
  let plan: AddressPlan;
  let server: https.Server;
  let proxyUrl: string;
  let closeProxy: () => Promise<void>;
  let caFile: string;
  const seen: { sni?: string; source?: string; authority?: string }[] = [];

  beforeAll(async () => {
    ({ lease, addresses: plan } = await leaseTestAddresses());
    const ca = await createCertificateAuthority('test');
    const leaf = await issueCertificate(ca, { commonName: HOST, dnsNames: [HOST], usage: 'server' });
    caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'podproxy-')), 'ca.pem');
    fs.writeFileSync(caFile, ca.certPem);
    server = https.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (req, res) => {
      seen.push({ sni: (req.socket as any).servername, source: req.socket.remoteAddress, authority: req.headers.host });
      res.end('hello from the gateway VIP\n');
    });
    // The "VIP" of istio-ingressgateway-internal listens on 443 → 10443.
    await new Promise<void>((r) => server.listen(10443, serviceIp(plan, 1), () => r()));
    const proxy = await startInProcessComponent(podProxy, {
      name: 'pod-proxy',
      config: {
        listenIp: systemPodIp(plan, 20),
        listenPort: 0,
        pod: { name: 'kubectl', namespace: 'shoot--local--hot', ip: clientPodIp(plan, 7), hostAliases: [{ ip: serviceIp(plan, 1), hostnames: [HOST] }] },
        services: [{ namespace: 'shoot--local--hot', name: 'kube-apiserver', clusterIP: serviceIp(plan, 0) }],
        privilegedPortOffset: plan.privilegedPortOffset,
      },
    });
    proxyUrl = proxy.info.url;
    closeProxy = () => proxy.close();
  });

  afterAll(async () => {
    await closeProxy?.();
    await new Promise<void>((r) => server?.close(() => r()));
    await lease?.release();
  });

  itWithTool('curl')('lets curl reach the public name through the pod hostAlias, with SNI = :authority and the pod source IP', async () => {
    const { stdout } = await execa(toolPath('curl'), ['-sS', '--max-time', '10', '-x', proxyUrl, '--cacert', caFile, `https://${HOST}/`]);
    expect(stdout).toBe('hello from the gateway VIP');
    expect(seen.at(-1)).toEqual({ sni: HOST, source: clientPodIp(plan, 7), authority: HOST });
  });

  itWithTool('curl')('answers 502 with the names it tried when the pod cannot resolve the host', async () => {
    const result = await execa(toolPath('curl'), ['-sS', '--max-time', '10', '-x', proxyUrl, '--cacert', caFile, 'https://api.other.example/'], {
      reject: false,
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/502|CONNECT/);
  });

  it('explains itself to plain HTTP requests', async () => {
    const res = await fetch(proxyUrl);
    expect(res.status).toBe(405);
    expect(await res.text()).toMatch(/CONNECT/);
  });
});
