// A TCP port that is free on an address right now: the kernel picks it (listen on port 0), the listener closes, and
// the component binds it a moment later. Used for components that must be told their port on the command line.
import net from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
