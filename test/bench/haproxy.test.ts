// HAProxy's configuration as the bench renders it (scripts/bench/haproxy.ts): the same work as the gateway (TLS
// termination, h2 both ways, verified upstream TLS with the in-cluster SNI, the identity headers removed) and the
// balance mode asked for. With haproxy installed, `haproxy -c` must accept it (Debian package haproxy).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { haproxyConfig, type HaproxyOptions } from '../../scripts/bench/haproxy.ts';
import { IN_CLUSTER_API_HOST } from '../../scripts/cluster/certificates.ts';
import { itWithTool, toolPath } from '../helpers/tools.ts';

const options = (dir: string, balance: HaproxyOptions['balance']): HaproxyOptions => ({
  bin: 'haproxy',
  dir,
  ip: '127.0.0.1',
  port: 9443,
  balance,
  threads: 1,
  replicas: [
    { ip: '127.0.0.2', port: 10443 },
    { ip: '127.0.0.3', port: 10443 },
  ],
  serving: { certPem: 'cert', keyPem: 'key' },
  caPem: 'ca',
});

describe('haproxyConfig', () => {
  it('terminates TLS with h2, balances per request over every replica with verified h2 upstreams', () => {
    const text = haproxyConfig(options('/d', 'random(2)'));
    const lines = text.split('\n').map((l) => l.trim());
    expect(lines).toContain('nbthread 1');
    expect(lines).toContain('mode http');
    expect(lines).toContain('bind 127.0.0.1:9443 ssl crt /d/haproxy.pem alpn h2,http/1.1');
    expect(lines).toContain('balance random(2)');
    expect(lines).toContain('http-reuse always');
    expect(lines).toContain('http-request del-header X-Remote-User');
    expect(lines).toContain('http-request del-header X-Remote-Group');
    const servers = lines.filter((l) => l.startsWith('server '));
    expect(servers).toEqual([
      `server r0 127.0.0.2:10443 ssl verify required ca-file /d/ca.pem sni str(${IN_CLUSTER_API_HOST}) alpn h2`,
      `server r1 127.0.0.3:10443 ssl verify required ca-file /d/ca.pem sni str(${IN_CLUSTER_API_HOST}) alpn h2`,
    ]);
  });

  it('roundrobin is the only difference of the other balance mode', () => {
    const a = haproxyConfig(options('/d', 'random(2)')).split('\n');
    const b = haproxyConfig(options('/d', 'roundrobin')).split('\n');
    expect(a.filter((l, i) => l !== b[i])).toEqual(['  balance random(2)']);
  });

  itWithTool('haproxy')('haproxy -c accepts the rendered configuration', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'haproxy-config-'));
    try {
      const { generateWebhookCertificates } = await import('../../webhook/certs.ts');
      const certs = await generateWebhookCertificates({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
      fs.writeFileSync(path.join(dir, 'haproxy.pem'), `${certs.certPem}\n${certs.keyPem}\n`);
      fs.writeFileSync(path.join(dir, 'ca.pem'), certs.caPem);
      const file = path.join(dir, 'haproxy.cfg');
      fs.writeFileSync(file, haproxyConfig(options(dir, 'random(2)')));
      const check = await execa(toolPath('haproxy'), ['-c', '-f', file], { reject: false });
      expect(check.exitCode, `${check.stdout}\n${check.stderr}`).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
