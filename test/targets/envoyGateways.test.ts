// The local cluster with real Envoy as its gateway pods (`--components gateway=envoy`, scripts/targets/local/
// envoyGateways.ts), on real sockets: the endpoints controller's EDS reaches Envoy (a killed replica leaves its
// clusters, a started one comes back once ready), gateway pods come and go as Envoy processes behind the simulated
// kube-proxy, and close() leaves no process, listener or directory. Skipped with the reason without the Envoy binary.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { afterEach, describe, expect } from 'vitest';
import { MODES } from '../../scripts/cluster/modes.ts';
import { gatewayEndpoint, planCluster } from '../../scripts/cluster/plan.ts';
import { pollUntil } from '../../scripts/core/poll.ts';
import { leaseAddressBlock } from '../../scripts/targets/local/addressLease.ts';
import { runningProcesses } from '../../scripts/targets/binary/managedProcess.ts';
import { LocalCluster } from '../../scripts/targets/local/localCluster.ts';
import { Scenario, type ClientGroup } from '../../scenarios/schema.ts';
import { ENVOY_DIR_PREFIX } from '../../scripts/targets/local/envoyGateways.ts';
import { itWithBinaries } from '../helpers/binaries.ts';
import { addAndDeleteGatewayPod, refused, throughGateway } from '../helpers/localClusterProbes.ts';

const itWithEnvoy = itWithBinaries('envoy');
const GROUP: ClientGroup = Scenario.parse({ name: 't', clients: [{ name: 'probe', rate: 1 }] }).clients[0]!;
const envoyDirs = () => fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(`${ENVOY_DIR_PREFIX}${process.pid}-`));

let cluster: LocalCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

function plan(readinessDelay = '0s', addressBlock?: number) {
  const topology = Scenario.parse({
    name: 't',
    clients: [{ name: 'probe', rate: 1 }],
    topology: { controlPlane: { replicas: 3, readinessDelay }, gateway: { pods: 2 } },
  }).topology;
  return planCluster(topology, MODES.l7, 11, { clientGroups: [GROUP], ...(addressBlock !== undefined ? { addressBlock } : {}) });
}

async function start(readinessDelay = '0s'): Promise<LocalCluster> {
  cluster = await LocalCluster.start(plan(readinessDelay), { components: { gateway: 'envoy' } });
  return cluster;
}

describe('local cluster with --components gateway=envoy', () => {
  itWithEnvoy('its gateway pods are Envoy processes; a killed replica leaves their clusters and comes back once ready', async () => {
    const c = await start('500ms');
    const health = await c.componentHealth();
    expect(
      health
        .filter((h) => h.realProcess)
        .map((h) => [h.component, h.kind])
        .sort(),
    ).toEqual([
      ['istio-ingressgateway-0', 'envoy'],
      ['istio-ingressgateway-1', 'envoy'],
    ]);
    expect(health.some((h) => h.kind === 'gateway-pod')).toBe(false);
    // What each Envoy serves now (admin /clusters): the control plane's Service cluster, by replica.
    const hosts = async () => (await c.networkStats()).gateways.map((g) => Object.keys(g.clusters.default ?? {}).sort());
    const all = ['kube-apiserver-0', 'kube-apiserver-1', 'kube-apiserver-2'];
    expect(await hosts()).toEqual([all, all]);
    expect(Object.keys(await throughGateway(c, 30)).sort()).toEqual(all);

    await c.apply({ type: 'stop-apiserver', replica: 'kube-apiserver-1', mode: 'kill' });
    const rest = ['kube-apiserver-0', 'kube-apiserver-2'];
    expect(await hosts()).toEqual([rest, rest]);
    // throughGateway asserts every request answered 200.
    expect((await throughGateway(c, 30))['kube-apiserver-1'] ?? 0).toBe(0);
    const started = await c.apply({ type: 'start-apiserver', replica: 'kube-apiserver-1' });
    expect(started.readyMs).toBeGreaterThanOrEqual(450);
    expect(await hosts()).toEqual([all, all]);
    // P2C over three idle hosts picks it for about a third of the requests (P(none of 30) < 1e-5).
    expect((await throughGateway(c, 30))['kube-apiserver-1']).toBeGreaterThan(0);
  });

  itWithEnvoy('adds a gateway pod as a new Envoy behind the internal Service and deletes it, ending its connections', async () => {
    const c = await start();
    const processes = () => runningProcesses().map((p) => p.spec.name);
    const seen = await addAndDeleteGatewayPod(c);
    expect(seen.pods).toEqual(['istio-ingressgateway-0', 'istio-ingressgateway-1', 'istio-ingressgateway-2']);
    expect(seen.toNewPod).toBeGreaterThan(0);
    expect(seen.status).toBe(200);
    expect(seen.ended).toMatch(/ECONNRESET|closed/);
    expect(seen.afterDeletion).toBe(0);
    // The deleted pod's Envoy is gone: nothing listens at its address, its process ended.
    expect(await refused(seen.pod.ip, seen.pod.port)).toBe(true);
    expect(processes().sort()).toEqual(['istio-ingressgateway-0', 'istio-ingressgateway-1']);
  });

  itWithEnvoy('close() stops every Envoy and removes their directory', async () => {
    const before = new Set(envoyDirs());
    const c = await start();
    const pods = c.gatewayPods;
    expect(envoyDirs().filter((d) => !before.has(d))).toHaveLength(1);
    await c.close();
    cluster = undefined;
    expect(runningProcesses()).toEqual([]);
    for (const p of pods) expect(await refused(p.ip, p.port), `${p.name}`).toBe(true);
    expect(envoyDirs().filter((d) => !before.has(d))).toEqual([]);
  });

  itWithEnvoy('a start that fails on one Envoy stops the others and every simulated component, and says why', async () => {
    const before = new Set(envoyDirs());
    const lease = await leaseAddressBlock();
    const block = lease.block;
    await lease.release();
    // Something else holds the second gateway pod's admin address: that Envoy cannot start.
    const taken = net.createServer();
    const pod1 = gatewayEndpoint(1, { block, privilegedPortOffset: 0 });
    await new Promise<void>((resolve) => taken.listen(15000, pod1.ip, resolve));
    try {
      const failed = await LocalCluster.start(plan('0s', block), { pinAddressBlock: true, components: { gateway: 'envoy' } }).then(
        (c) => c.close().then(() => 'started'),
        (error: Error) => error.message,
      );
      expect(failed).toMatch(/istio-ingressgateway-1 (exited|was killed)|admin \/ready at/);
    } finally {
      taken.close();
    }
    expect(runningProcesses()).toEqual([]);
    expect(envoyDirs().filter((d) => !before.has(d))).toEqual([]);
    expect(await refused(gatewayEndpoint(0, { block, privilegedPortOffset: 0 }).ip, 9443)).toBe(true);
  });

  itWithEnvoy('Ctrl-C while the cluster starts stops the Envoys already running (the start registers its teardown)', async () => {
    const before = new Set(envoyDirs());
    const cleanups: (() => Promise<void>)[] = [];
    const starting = LocalCluster.start(plan(), {
      components: { gateway: 'envoy' },
      registerCleanup: (cleanup) => {
        cleanups.push(cleanup);
        return () => cleanups.splice(cleanups.indexOf(cleanup), 1);
      },
    });
    const outcome = starting.then(
      (c) => c.close().then(() => 'started'),
      (error: Error) => error.message,
    );
    await pollUntil(
      async () => runningProcesses().length,
      (n) => n === 2,
      // Registered when spawned, before they are ready: early in a start that takes seconds.
      { timeoutMs: 30_000, intervalMs: 20, what: 'both Envoys to be spawned' },
    );
    expect(cleanups).toHaveLength(1);
    await cleanups[0]!();
    expect(runningProcesses()).toEqual([]);
    expect(envoyDirs().filter((d) => !before.has(d))).toEqual([]);
    expect(await outcome).toMatch(/start was interrupted|the cluster is closing/);
    expect(cleanups).toEqual([]);
  });
});
