// The binary target's network namespaces on the real kernel (docs/binary-target-network.md): every namespace's routing
// table holds exactly the expected routes and no default route, in both families, so the kernel refuses any address
// outside the run's networks; a pod's /etc/hosts is the kubelet's file from its hostAliases plus the cluster DNS
// entries, and a process in the pod resolves through it (getent) and through nothing else; the runner reaches a server
// inside the node namespace only through the forwarder's Unix socket (HTTP/1.1, HTTP/2, a loopback port); close()
// leaves nothing behind.
import fs from 'node:fs';
import http2 from 'node:http2';
import os from 'node:os';
import { execa } from 'execa';
import { afterEach, describe, expect } from 'vitest';
import { pollUntil } from '../../../../scripts/core/poll.ts';
import { ManagedProcess } from '../../../../scripts/targets/binary/managedProcess.ts';
import { componentAddress, NODE_ADDRESS, serviceAddress } from '../../../../scripts/targets/binary/network/addresses.ts';
import { run } from '../../../../scripts/targets/binary/network/hostTools.ts';
import { NetworkRun } from '../../../../scripts/targets/binary/network/networkRun.ts';
import { serviceDnsNames } from '../../../../scripts/targets/binary/network/podResolverFiles.ts';
import { getInto, itWithNetwork, routingTable, startEchoServers } from './networkTestHelpers.ts';

/** An HTTP/2 cleartext server on <ip>:8444 (inside a namespace) that answers with the path and its own address. */
const H2C_SERVER = `
const http2 = require('node:http2');
http2.createServer((req, res) => res.end('h2 ' + req.url + ' on ' + req.socket.localAddress)).listen(8444, process.argv[1], () => console.log('listening'));
`;

function h2Get(network: NetworkRun, ip: string, port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${ip}:${port}`, { createConnection: () => network.tunnel.connectInto(ip, port) });
    session.on('error', reject);
    const stream = session.request({ ':path': path });
    let status = 0;
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    stream.on('error', reject);
  });
}

const runs: NetworkRun[] = [];
afterEach(async () => {
  for (const network of runs.splice(0)) await network.close();
});

async function newRun(): Promise<NetworkRun> {
  const network = await NetworkRun.create({ closeOnInterrupt: false });
  runs.push(network);
  return network;
}

/** The machine's own non-loopback IPv4 addresses, and two public ones: none may be routable from inside. */
function outsideAddresses(): string[] {
  const own = Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a && a.family === 'IPv4' && !a.internal)
    .map((a) => a!.address);
  return [...own, '1.1.1.1', '8.8.8.8', '192.168.0.1', '10.0.0.1'];
}

describe('the namespaces of a binary-target run', () => {
  itWithNetwork()('have only the expected routes and no default route, in both families; the kernel refuses every outside address', async () => {
    const network = await newRun();
    const [a, b] = [await network.addComponent(), await network.addComponent()];
    expect([a, b]).toEqual([componentAddress(0), componentAddress(1)]);
    const pod0 = await network.addPod({ name: 'client-0', namespace: 'shoot--local--hot' });
    const pod1 = await network.addPod({ name: 'client-1', namespace: 'shoot--local--hot' });

    const node = await routingTable(network.node.name);
    expect(node.v4.sort()).toEqual(
      [
        `198.18.0.0/16 dev cbr0 proto kernel scope link src ${NODE_ADDRESS}`,
        `198.19.0.0/16 dev cbr0 scope link src ${NODE_ADDRESS}`,
        'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1',
        'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1',
        'broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1',
        `local ${NODE_ADDRESS} dev cbr0 table local proto kernel scope host src ${NODE_ADDRESS}`,
        `local ${a} dev cbr0 table local proto kernel scope host src ${a}`,
        `local ${b} dev cbr0 table local proto kernel scope host src ${b}`,
        `broadcast 198.18.255.255 dev cbr0 table local proto kernel scope link src ${NODE_ADDRESS}`,
      ].sort(),
    );
    expect(node.v6).toEqual(['local ::1 dev lo table local proto kernel metric 0 pref medium']);
    for (const pod of [pod0, pod1]) {
      const table = await routingTable(pod.name);
      expect(table.v4.sort(), pod.name).toEqual(
        [
          `198.18.0.0/16 dev eth0 proto kernel scope link src ${pod.ip}`,
          `198.19.0.0/16 via ${NODE_ADDRESS} dev eth0`,
          'local 127.0.0.0/8 dev lo table local proto kernel scope host src 127.0.0.1',
          'local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1',
          'broadcast 127.255.255.255 dev lo table local proto kernel scope link src 127.0.0.1',
          `local ${pod.ip} dev eth0 table local proto kernel scope host src ${pod.ip}`,
          `broadcast 198.18.255.255 dev eth0 table local proto kernel scope link src ${pod.ip}`,
        ].sort(),
      );
      expect(table.v6, pod.name).toEqual(['local ::1 dev lo table local proto kernel metric 0 pref medium']);
    }
    // The kernel's own routing decision for addresses outside: no route, in every namespace.
    for (const namespace of network.namespaces()) {
      for (const ip of outsideAddresses()) {
        await expect(run('ip', ['-n', namespace, 'route', 'get', ip]), `${namespace} -> ${ip}`).rejects.toThrow('Network is unreachable');
      }
      await expect(run('ip', ['-6', '-n', namespace, 'route', 'get', '2001:db8::1'])).rejects.toThrow('Network is unreachable');
    }
    // ...while a pod reaches a component of the node over the bridge.
    await startEchoServers(network, network.node.enter, 8080, [a]);
    const fromPod = await execa(pod0.enter[0]!, [...pod0.enter.slice(1), 'curl', '-sS', '--max-time', '5', `http://${a}:8080/`], { reject: false });
    expect(fromPod.stdout).toBe(`${a} ${pod0.ip}`);
  });

  itWithNetwork()("gives a pod the kubelet's /etc/hosts from its hostAliases and the cluster DNS entries, and nothing else resolves", async () => {
    const network = await newRun();
    const gateway = serviceAddress(1);
    const kubeApiserver = serviceAddress(0);
    const namespace = 'shoot--local--hot';
    network.setClusterDns([{ ip: kubeApiserver, names: serviceDnsNames('kube-apiserver', namespace, namespace) }]);
    const admitted = await network.addPod({
      name: 'controller-0',
      namespace,
      hostAliases: [{ ip: gateway, hostnames: ['api.hot.local.example.test'] }],
    });
    const notAdmitted = await network.addPod({ name: 'controller-1', namespace });
    const hostsFile = fs.readFileSync(`${admitted.etcDir}/hosts`, 'utf8');
    expect(hostsFile).toBe(
      '# Kubernetes-managed hosts file.\n' +
        '127.0.0.1\tlocalhost\n' +
        '::1\tlocalhost ip6-localhost ip6-loopback\n' +
        'fe00::0\tip6-localnet\n' +
        'fe00::0\tip6-mcastprefix\n' +
        'fe00::1\tip6-allnodes\n' +
        'fe00::2\tip6-allrouters\n' +
        `${admitted.ip}\tcontroller-0\n` +
        '\n' +
        '# Entries added by HostAliases.\n' +
        `${gateway}\tapi.hot.local.example.test\n` +
        '\n' +
        '# Cluster DNS (no DNS server runs in the binary target; docs/binary-target-network.md#names).\n' +
        `${kubeApiserver}\tkube-apiserver.${namespace}.svc.cluster.local\tkube-apiserver.${namespace}.svc\tkube-apiserver.${namespace}\tkube-apiserver\n`,
    );
    const getent = (pod: typeof admitted, name: string) =>
      execa(pod.enter[0]!, [...pod.enter.slice(1), 'getent', 'hosts', name], { reject: false, timeout: 10_000 });
    // Inside the pod, /etc/hosts IS that file (ip netns exec bind-mounts it).
    const cat = await execa(admitted.enter[0]!, [...admitted.enter.slice(1), 'cat', '/etc/hosts']);
    expect(cat.stdout + '\n').toBe(hostsFile);
    expect((await getent(admitted, 'api.hot.local.example.test')).stdout).toMatch(
      new RegExp(`^${gateway.replace(/\./g, '\\.')}\\s+api\\.hot\\.local\\.example\\.test$`),
    );
    expect((await getent(admitted, 'kube-apiserver')).stdout).toMatch(new RegExp(`^${kubeApiserver.replace(/\./g, '\\.')}\\s`));
    expect((await getent(admitted, 'controller-0')).stdout).toMatch(new RegExp(`^${admitted.ip.replace(/\./g, '\\.')}\\s+controller-0$`));
    // The public name resolves only where the webhook added the alias; the other pod fails fast (no DNS server).
    const started = performance.now();
    const missing = await getent(notAdmitted, 'api.hot.local.example.test');
    expect(missing.exitCode).toBe(2);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect((await getent(notAdmitted, 'kube-apiserver')).exitCode).toBe(0);
    // Cluster DNS entries set later reach pods that already exist, through the same bind-mounted file.
    network.setClusterDns([
      { ip: kubeApiserver, names: ['kube-apiserver'] },
      { ip: gateway, names: ['istio-ingressgateway-internal.istio-ingress'] },
    ]);
    expect((await getent(notAdmitted, 'istio-ingressgateway-internal.istio-ingress')).stdout).toMatch(/^198\.19\.0\.17\s/);
  });

  itWithNetwork()('lets the runner reach a server inside the node namespace only through the Unix-socket forwarder', async () => {
    const network = await newRun();
    const ip = await network.addComponent();
    await startEchoServers(network, network.node.enter, 8443, [ip]);
    // The runner's own namespace has no such address on any interface: the tunnel is the only way in.
    expect(
      Object.values(os.networkInterfaces())
        .flat()
        .map((a) => a?.address),
    ).not.toContain(ip);
    const response = await getInto(network, ip, 8443, '/metrics');
    expect(response.status).toBe(200);
    expect(response.body).toBe(`${ip} ${ip}`);
    // A loopback port for programs that only take a URL (kubectl).
    const exposed = await network.tunnel.exposeOnLoopback(ip, 8443);
    const viaLoopback = await fetch(`http://127.0.0.1:${exposed.port}/`);
    expect(await viaLoopback.text()).toBe(`${ip} ${ip}`);
    await exposed.close();
    // Nothing listens on that port: the forwarder closes the connection and the request fails (which error depends
    // on whether the request was still being written when the close came).
    await expect(getInto(network, ip, 9, '/')).rejects.toThrow(/socket hang up|ECONNRESET|EPIPE/);
    await expect(getInto(network, ip, 8443, '/still-there')).resolves.toMatchObject({ status: 200 });
    // HTTP/2 (what client-go and Envoy speak) over the same tunnel, as http2.connect's createConnection.
    const h2 = network.adopt(new ManagedProcess({ name: 'h2c', command: process.execPath, args: ['-e', H2C_SERVER, ip], prefix: network.node.enter }));
    await pollUntil(() => h2.lastLines().includes('listening'), Boolean, { timeoutMs: 10_000, what: 'the h2c server' });
    expect(await h2Get(network, ip, 8444, '/h2')).toEqual({ status: 200, body: `h2 /h2 on ${ip}` });
  });

  itWithNetwork()('close() removes every namespace, /etc/netns directory, process and the temp directory', async () => {
    const network = await NetworkRun.create({ closeOnInterrupt: false });
    const ip = await network.addComponent();
    const server = await startEchoServers(network, network.node.enter, 8080, [ip]);
    const pod = await network.addPod({ name: 'client-0', namespace: 'default', hostAliases: [{ ip: serviceAddress(0), hostnames: ['x.example.test'] }] });
    // A process the run did not adopt, left running inside a pod: close() must kill it with the namespace.
    const stray = execa(pod.enter[0]!, [...pod.enter.slice(1), 'sleep', '600'], { reject: false });
    const namespaces = network.namespaces();
    expect(namespaces).toHaveLength(2);
    await network.close();
    const listed = await run('ip', ['netns', 'list']);
    for (const name of namespaces) {
      expect(listed).not.toContain(name);
      expect(fs.existsSync(`/etc/netns/${name}`)).toBe(false);
    }
    expect(fs.existsSync(network.dir)).toBe(false);
    expect(server.running).toBe(false);
    expect(network.tunnel.process.running).toBe(false);
    expect((await stray).signal).toBe('SIGKILL');
    await network.close(); // twice is fine
  });
});
