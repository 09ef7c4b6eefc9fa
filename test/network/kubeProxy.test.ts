import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { clientPodIp, replicaIp, serviceIp, type AddressPlan } from '../../scripts/cluster/addresses.ts';
import kubeProxy, { type KubeProxyConfig } from '../../sim/network/kubeProxy.ts';
import { startInProcessComponent, startWorkerComponent } from '../../sim/runtime/startComponent.ts';
import type { HandleOf } from '../../sim/runtime/component.ts';
import type { AddressLease } from '../../scripts/targets/local/addressLease.ts';
import { leaseTestAddresses } from '../helpers/controlPlane.ts';

// Backends answer every connection with their name and the client address they see, then keep the socket open.
async function startBackends(ips: string[], port: number) {
  const servers = await Promise.all(
    ips.map(
      (ip, i) =>
        new Promise<net.Server>((resolve) => {
          const server = net.createServer((socket) => {
            socket.on('error', () => undefined);
            socket.write(`backend-${i} ${socket.remoteAddress}\n`);
          });
          server.listen(port, ip, () => resolve(server));
        }),
    ),
  );
  return {
    close: () =>
      Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((r) => {
              s.close(() => r());
              (s as any).closeAllConnections?.();
            }),
        ),
      ),
  };
}

function connect(ip: string, port: number, localAddress?: string): Promise<{ line: string; socket: net.Socket }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: ip, port, localAddress });
    socket.once('data', (data) => resolve({ line: String(data).trim(), socket }));
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed before data')));
  });
}

describe('kube-proxy', () => {
  let lease: AddressLease;
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await lease?.release();
  });

  async function setup(mode: 'iptables' | 'ipvs', extra: Partial<KubeProxyConfig> = {}, inWorker = false) {
    let plan: AddressPlan;
    ({ lease, addresses: plan } = await leaseTestAddresses());
    const backendIps = [0, 1, 2].map((i) => replicaIp(plan, i));
    const backends = await startBackends(backendIps, 10443);
    cleanups.push(backends.close);
    const config: KubeProxyConfig = {
      mode,
      randomSeed: 7,
      pods: [],
      services: [
        {
          namespace: 'shoot--local--hot',
          name: 'kube-apiserver',
          clusterIP: serviceIp(plan, 0),
          port: 443,
          listenPort: 10443,
          endpoints: backendIps.map((ip, i) => ({ name: `kube-apiserver-${i}`, ip, port: 10443 })),
        },
      ],
      ...extra,
    };
    const proxy: HandleOf<typeof kubeProxy> = inWorker
      ? await startWorkerComponent(kubeProxy, { name: 'kube-proxy', config })
      : await startInProcessComponent(kubeProxy, { name: 'kube-proxy', config });
    cleanups.push(() => proxy.close());
    return { plan, proxy, vip: serviceIp(plan, 0), backendIps };
  }

  it('iptables mode: uniform random backend per new connection, source address preserved', async () => {
    const { plan, proxy, vip } = await setup('iptables');
    const counts = [0, 0, 0];
    const source = clientPodIp(plan, 0);
    for (let i = 0; i < 300; i++) {
      const { line, socket } = await connect(vip, 10443, source);
      const [name, seen] = line.split(' ');
      counts[Number(name!.split('-')[1])]++;
      expect(seen).toBe(source);
      socket.destroy();
    }
    // Chi-square against uniform with 2 degrees of freedom: 13.8 is the p=0.001 critical value.
    const chi2 = counts.reduce((sum, c) => sum + (c - 100) ** 2 / 100, 0);
    expect(chi2).toBeLessThan(13.8);
    expect(Math.min(...counts)).toBeGreaterThan(50);
    const stats = (await proxy.remote.stats())[0]!;
    expect(Object.values(stats.backends).reduce((s, b) => s + b.opened, 0)).toBe(300);
  });

  it('ipvs mode: round robin, and a connection stays on its backend for all its bytes', async () => {
    const { vip } = await setup('ipvs', {}, true);
    const names: string[] = [];
    for (let i = 0; i < 6; i++) {
      const { line, socket } = await connect(vip, 10443);
      names.push(line.split(' ')[0]!);
      socket.destroy();
    }
    expect(names).toEqual(['backend-0', 'backend-1', 'backend-2', 'backend-0', 'backend-1', 'backend-2']);
  });

  it('network policy: a pod without the required label is reset, with it connects, host traffic passes', async () => {
    let plan: AddressPlan;
    ({ lease, addresses: plan } = await leaseTestAddresses());
    const label = 'networking.resources.gardener.cloud/to-istio-ingress-istio-ingressgateway-internal-tcp-9443';
    const backends = await startBackends([replicaIp(plan, 0)], 9443);
    cleanups.push(backends.close);
    const allowed = { name: 'with', namespace: 'ns', ip: clientPodIp(plan, 0), labels: { [label]: 'allowed' } };
    const denied = { name: 'without', namespace: 'ns', ip: clientPodIp(plan, 1), labels: {} };
    const proxy = await startInProcessComponent(kubeProxy, {
      name: 'kube-proxy',
      config: {
        mode: 'iptables',
        randomSeed: 1,
        pods: [allowed, denied],
        services: [
          {
            namespace: 'istio-ingress',
            name: 'istio-ingressgateway-internal',
            clusterIP: serviceIp(plan, 1),
            port: 443,
            listenPort: 10443,
            endpoints: [{ name: 'gw-0', ip: replicaIp(plan, 0), port: 9443 }],
            requiredPodLabel: label,
          },
        ],
      } satisfies KubeProxyConfig,
    });
    cleanups.push(() => proxy.close());
    const vip = serviceIp(plan, 1);
    expect((await connect(vip, 10443, allowed.ip)).line).toMatch(/^backend-0/);
    await expect(connect(vip, 10443, denied.ip)).rejects.toThrow(/ECONNRESET|closed before data/);
    expect((await connect(vip, 10443)).line).toMatch(/^backend-0/); // 127.0.0.1: host network
    // A label added later (pods are registered again after admission) takes effect for new connections.
    await proxy.remote.registerPods([{ ...denied, labels: { [label]: 'allowed' } }]);
    expect((await connect(vip, 10443, denied.ip)).line).toMatch(/^backend-0/);
    expect((await proxy.remote.stats())[0]!.denied).toBe(1);
  });

  it("endpoint removal resets that endpoint's connections; no endpoints refuses new ones", async () => {
    const { proxy, vip, backendIps } = await setup('ipvs');
    const first = await connect(vip, 10443);
    expect(first.line).toMatch(/^backend-0/);
    const closed = new Promise<string>((resolve) => {
      first.socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      first.socket.on('close', () => resolve('close'));
    });
    await proxy.remote.setEndpoints('shoot--local--hot/kube-apiserver', [{ name: 'kube-apiserver-1', ip: backendIps[1]!, port: 10443 }]);
    expect(await closed).toMatch(/ECONNRESET|close/);
    expect((await connect(vip, 10443)).line).toMatch(/^backend-1/);
    await proxy.remote.setEndpoints('shoot--local--hot/kube-apiserver', []);
    await expect(connect(vip, 10443)).rejects.toThrow(/ECONNRESET|closed before data/);
  });

  it('close() frees every VIP listener', async () => {
    const { proxy, vip } = await setup('iptables', {}, true);
    await proxy.close();
    await expect(connect(vip, 10443)).rejects.toThrow(/ECONNREFUSED/);
  });
});
