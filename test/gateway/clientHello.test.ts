import net from 'node:net';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { parseClientHello } from '../../sim/gateway/clientHello.ts';

/** Captures the first bytes a real Node TLS client sends (its ClientHello). */
async function captureClientHello(servername?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      socket.once('data', (data) => {
        resolve(data);
        socket.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      const client = tls.connect({ host: '127.0.0.1', port, servername, ALPNProtocols: ['h2', 'http/1.1'], rejectUnauthorized: false });
      client.on('error', () => undefined);
    });
    server.on('error', reject);
  });
}

describe('ClientHello SNI parser', () => {
  it('reads the SNI of a real TLS client', async () => {
    const hello = await captureClientHello('api.hot.local.internal.local.gardener.cloud');
    expect(parseClientHello(hello)).toEqual({ kind: 'sni', serverName: 'api.hot.local.internal.local.gardener.cloud' });
  });

  it('reports no SNI when the client sent none (connecting to an IP)', async () => {
    const hello = await captureClientHello(undefined);
    expect(parseClientHello(hello)).toEqual({ kind: 'sni', serverName: undefined });
  });

  it('asks for more bytes on every truncated prefix, then succeeds', async () => {
    const hello = await captureClientHello('kubernetes.default.svc.cluster.local');
    for (const cut of [0, 1, 4, 5, 20, hello.length - 1]) expect(parseClientHello(hello.subarray(0, cut)).kind).toBe('need-more');
    expect(parseClientHello(hello)).toMatchObject({ serverName: 'kubernetes.default.svc.cluster.local' });
  });

  it('reassembles a ClientHello split over two TLS records', async () => {
    const hello = await captureClientHello('split.example');
    const body = hello.subarray(5);
    const half = Math.floor(body.length / 2);
    const record = (part: Buffer) => Buffer.concat([Buffer.from([22, 3, 1, part.length >> 8, part.length & 0xff]), part]);
    expect(parseClientHello(Buffer.concat([record(body.subarray(0, half)), record(body.subarray(half))]))).toEqual({
      kind: 'sni',
      serverName: 'split.example',
    });
  });

  it('rejects plaintext HTTP, other record types and garbage without throwing', () => {
    expect(parseClientHello(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')).kind).toBe('not-tls');
    expect(parseClientHello(Buffer.from([23, 3, 3, 0, 5, 1, 2, 3, 4, 5])).kind).toBe('not-tls');
    expect(parseClientHello(Buffer.from([22, 3, 1, 0, 0])).kind).toBe('not-tls');
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.from(Array.from({ length: 5 + (i % 300) }, (_, k) => (i * 31 + k * 17) & 0xff));
      junk[0] = 22;
      junk[1] = 3;
      expect(() => parseClientHello(junk)).not.toThrow();
    }
  });
});
