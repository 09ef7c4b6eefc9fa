// freePort (scripts/targets/binary/freePort.ts): the port it hands out lies below the kernel's ephemeral range, where
// no outgoing connection's source port and no listen(0) can take it before the component binds it; it is bindable,
// and one process never gets the same port twice.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ephemeralLow, FIRST_PORT, freePort } from '../../../scripts/targets/binary/freePort.ts';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('freePort', () => {
  it('reads the ephemeral range from the kernel file and falls back to Linux default without it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'port-range-'));
    try {
      fs.writeFileSync(path.join(dir, 'range'), '40000\t60999\n');
      expect(ephemeralLow(path.join(dir, 'range'))).toBe(40_000);
      expect(ephemeralLow(path.join(dir, 'absent'))).toBe(32_768);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hands out distinct bindable ports below the ephemeral range, never one the kernel would give a client', async () => {
    const low = ephemeralLow();
    const ports: number[] = [];
    for (let i = 0; i < 50; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(50);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(FIRST_PORT);
      expect(port).toBeLessThan(low);
    }
    // What the kernel hands out by itself (a listen(0), a client's source port) is in the ephemeral range.
    const kernels = await listen(0);
    expect((kernels.address() as net.AddressInfo).port).toBeGreaterThanOrEqual(low);
    kernels.close();
    const server = await listen(ports[0]!);
    server.close();
  });
});
