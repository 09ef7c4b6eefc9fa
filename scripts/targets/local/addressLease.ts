// Reserves a loopback /16 for one local cluster (scripts/cluster/addresses.ts) by listening on
// 127.<block>.0.254:10999. Another cluster on this machine holding the same block makes the bind fail, and the next
// block is tried. A preferred block (replayable addresses) is tried first.
import net from 'node:net';
import { FIRST_ADDRESS_BLOCK, LAST_ADDRESS_BLOCK } from '../../cluster/addresses.ts';

const LEASE_PORT = 10_999;

export interface AddressLease {
  block: number;
  release(): Promise<void>;
}

export async function leaseAddressBlock(options: { preferredBlock?: number; onlyPreferred?: boolean } = {}): Promise<AddressLease> {
  const preferred = options.preferredBlock;
  const candidates =
    preferred === undefined ? shuffledBlocks() : options.onlyPreferred ? [preferred] : [preferred, ...shuffledBlocks().filter((b) => b !== preferred)];
  let lastError: Error | undefined;
  for (const block of candidates) {
    const server = net.createServer((socket) => socket.destroy());
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(LEASE_PORT, `127.${block}.0.254`, () => resolve());
      });
      server.unref();
      return { block, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    } catch (error) {
      lastError = error as Error;
    }
  }
  if (options.onlyPreferred) {
    throw new Error(`address block 127.${preferred}.0.0/16 is in use (${lastError?.message}); is another simulated cluster running?`);
  }
  throw new Error(`no free address block in 127.${FIRST_ADDRESS_BLOCK}-${LAST_ADDRESS_BLOCK}.0.0/16: ${lastError?.message}`);
}

function shuffledBlocks(): number[] {
  const blocks = Array.from({ length: LAST_ADDRESS_BLOCK - FIRST_ADDRESS_BLOCK + 1 }, (_, i) => FIRST_ADDRESS_BLOCK + i);
  for (let i = blocks.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [blocks[i], blocks[j]] = [blocks[j]!, blocks[i]!];
  }
  return blocks;
}
