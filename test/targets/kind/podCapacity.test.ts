// The pods a run places on a real cluster and the room the cluster has for them (docs/kind.md#cluster-capacity):
// quantities as Kubernetes writes them, the busiest moment of a timeline, the scheduler's per-node rules, and the
// kind target's fits() reading a cluster through kubectl.
import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../../../scenarios/loader.ts';
import { Scenario } from '../../../scenarios/schema.ts';
import { nodeRooms, podRequests, roomProblems, type NodeJson, type PodJson } from '../../../scripts/targets/kind/clusterRoom.ts';
import { createKindTarget } from '../../../scripts/targets/kind/kindTarget.ts';
import { cpuMilli, kindPodRoom, kindSizing, memoryMi, podDemand } from '../../../scripts/targets/kind/podCapacity.ts';
import { recordingRunner, versionAnswer } from './recordingRunner.ts';

describe('quantities', () => {
  it('CPU in millicores and memory in MiB, as the API writes them', () => {
    expect([cpuMilli('250m'), cpuMilli('2'), cpuMilli('1.5')]).toEqual([250, 2000, 1500]);
    expect([memoryMi('128Mi'), memoryMi('1Gi'), memoryMi('16318472Ki'), memoryMi('1048576')]).toEqual([128, 1024, 16318472 / 1024, 1]);
    expect(memoryMi('1G')).toBeCloseTo(1e9 / 2 ** 20, 6);
    expect(() => memoryMi('lots')).toThrow('not a memory quantity: "lots"');
    expect(() => cpuMilli('fast')).toThrow('not a CPU quantity: "fast"');
  });
});

describe('podDemand', () => {
  // hot-client: 13 client pods (50m, 128Mi), 3 replicas (250m, 384Mi), etcd (100m, 128Mi), 2 gateway pods (100m, 128Mi),
  // the webhook (100m, 256Mi), the requests the manifests set.
  it('adds up every pod of a mode with the requests the manifests set', () => {
    const d = podDemand(loadScenarioFile('hot-client').scenario);
    expect(d.parts).toEqual([
      { what: 'client', pods: 13 },
      { what: 'kube-apiserver', pods: 3 },
      { what: 'etcd', pods: 1 },
      { what: 'gateway', pods: 2 },
      { what: 'webhook', pods: 1 },
    ]);
    expect([d.pods, d.cpuMilli, d.memoryMi]).toEqual([20, 13 * 50 + 3 * 250 + 100 + 2 * 100 + 100, 13 * 128 + 3 * 384 + 128 + 2 * 128 + 256]);
    expect(d.largest).toEqual({ pods: 1, cpuMilli: 250, memoryMi: 384 });
  });

  it("holds the timeline's surge: a restart's extra replica, a scale-up's peak, recreated pods beside the old ones", () => {
    const base = { name: 't', duration: '20s', clients: [{ name: 'a', rate: 1, count: 4 }] };
    const plain = podDemand(Scenario.parse(base)).pods;
    const parse = (events: unknown[]) => podDemand(Scenario.parse({ ...base, events })).pods;
    expect(parse([{ at: '1s', type: 'rolling-restart' }])).toBe(plain + 1);
    expect(parse([{ at: '1s', type: 'scale-apiservers', replicas: 6 }])).toBe(plain + 3);
    expect(parse([{ at: '1s', type: 'scale-gateways', pods: 5 }])).toBe(plain + 3);
    expect(parse([{ at: '1s', type: 'recreate-pods', group: 'a' }])).toBe(plain + 4);
    // Gateway pods that already run hold their room: only the ones the run adds count.
    expect(podDemand(Scenario.parse(base), { gatewayPodsRunning: 2 }).pods).toBe(plain - 2);
  });

  it('every control plane of a seed-scale topology, its neighbours with their replicas and etcd', () => {
    const d = podDemand(loadScenarioFile('seed-scale').scenario);
    expect(d.parts.find((p) => p.what === 'etcd')!.pods).toBe(50);
    expect(d.parts.find((p) => p.what === 'kube-apiserver')!.pods).toBe(150);
    expect(d.parts.find((p) => p.what === 'client')!.pods).toBe(943);
  });
});

describe('kind sizing (the dry run)', () => {
  it("cluster:up's default cluster and the smallest one for a demand", () => {
    // 2 workers of 110 pods, each with kube-proxy and kindnet, and CoreDNS x2, local-path-provisioner and istiod.
    expect(kindPodRoom(2, 110)).toBe(2 * 108 - 4);
    expect(kindPodRoom(0, 110)).toBe(110 - 2 - 4 - 4);
    expect(kindSizing({ pods: 1147 })).toEqual({ workers: 5, flags: '--workers 5 --max-pods 250', fits: true });
    expect(kindPodRoom(5, 250)).toBeGreaterThanOrEqual(1147);
    expect(kindSizing({ pods: 2500 }).fits).toBe(false);
  });
});

const node = (name: string, allocatable: { pods: string; cpu: string; memory: string }, extra: Partial<NodeJson> = {}): NodeJson => ({
  metadata: { name },
  spec: {},
  status: { allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
  ...extra,
});
const pod = (namespace: string, nodeName: string, cpu: string, memory: string, phase = 'Running'): PodJson => ({
  metadata: { namespace },
  spec: { nodeName, containers: [{ resources: { requests: { cpu, memory } } }] },
  status: { phase },
});

describe('the room on the nodes', () => {
  it("a pod requests its containers' sum or its largest init container, whichever is larger", () => {
    const p: PodJson = {
      metadata: { namespace: 'x' },
      spec: { containers: [{ resources: { requests: { cpu: '100m', memory: '64Mi' } } }, {}], initContainers: [{ resources: { requests: { cpu: '500m' } } }] },
    };
    expect(podRequests(p)).toEqual({ pods: 1, cpuMilli: 500, memoryMi: 64 });
  });

  it('counts Ready, uncordoned, untainted nodes, minus the pods bound to them; finished pods and released namespaces free their room', () => {
    const nodes = [
      node('cp', { pods: '110', cpu: '8', memory: '16Gi' }, { spec: { taints: [{ effect: 'NoSchedule' }] } }),
      node('w1', { pods: '110', cpu: '8', memory: '16Gi' }),
      node('w2', { pods: '110', cpu: '8', memory: '16Gi' }, { spec: { unschedulable: true } }),
      node('w3', { pods: '110', cpu: '8', memory: '16Gi' }, { status: { allocatable: { pods: '110' }, conditions: [{ type: 'Ready', status: 'False' }] } }),
    ];
    const pods = [
      pod('kube-system', 'w1', '100m', '70Mi'),
      pod('old-run', 'w1', '1', '1Gi'),
      pod('done', 'w1', '4', '8Gi', 'Succeeded'),
      pod('x', 'cp', '1', '1Gi'),
    ];
    expect(nodeRooms(nodes, pods, new Set(['old-run']))).toEqual([{ node: 'w1', free: { pods: 109, cpuMilli: 7900, memoryMi: 16 * 1024 - 70 } }]);
  });

  it('says what is short and what to do; a pod larger than any node is named', () => {
    const demand = podDemand(loadScenarioFile('hot-client').scenario);
    const small = [{ node: 'w1', free: { pods: 10, cpuMilli: 8000, memoryMi: 16384 } }];
    expect(roomProblems(demand, small, 'add nodes')).toEqual([
      'the run needs 20 pods (13 client pods, 3 kube-apiserver pods, 1 etcd pod, 2 gateway pods, 1 webhook pod) requesting 1.8 cores CPU and 3.4 GiB at its busiest; the 1 schedulable node(s) have room for 10 pods: add nodes',
    ]);
    const thin = [
      { node: 'w1', free: { pods: 50, cpuMilli: 1000, memoryMi: 2000 } },
      { node: 'w2', free: { pods: 50, cpuMilli: 1000, memoryMi: 2000 } },
      { node: 'w3', free: { pods: 50, cpuMilli: 200, memoryMi: 300 } },
    ];
    expect(roomProblems(demand, thin, 'add nodes')).toEqual([]);
    expect(roomProblems({ ...demand, largest: { pods: 1, cpuMilli: 1500, memoryMi: 384 } }, thin, 'add nodes')).toEqual([
      'no schedulable node has room for one pod requesting 1.5 cores CPU and 384 MiB: add nodes',
    ]);
    expect(roomProblems(demand, [], 'add nodes')).toEqual(['the cluster has no schedulable node (Ready, not cordoned, without a NoSchedule taint): add nodes']);
  });
});

describe("the kind target's fits(), through kubectl", () => {
  // cluster:up's default: a tainted control-plane node and 2 workers of 110 pods, with the system pods and 2 gateway pods.
  const nodes = [
    node('apiserver-lb-control-plane', { pods: '110', cpu: '8', memory: '32Gi' }, { spec: { taints: [{ effect: 'NoSchedule' }] } }),
    node('apiserver-lb-worker', { pods: '110', cpu: '8', memory: '32Gi' }),
    node('apiserver-lb-worker2', { pods: '110', cpu: '8', memory: '32Gi' }),
  ];
  const pods = [
    ...['apiserver-lb-worker', 'apiserver-lb-worker2'].flatMap((n) => [pod('kube-system', n, '100m', '50Mi'), pod('kube-system', n, '100m', '50Mi')]),
    pod('istio-ingress', 'apiserver-lb-worker', '100m', '128Mi'),
    pod('istio-ingress', 'apiserver-lb-worker2', '100m', '128Mi'),
    pod('shoot--local--hot', 'apiserver-lb-worker', '250m', '384Mi'),
  ];
  const deployment = {
    spec: { template: { spec: { containers: [{ resources: { requests: { cpu: '100m', memory: '128Mi' } } }] } } },
    status: { readyReplicas: 2 },
  };
  const runner = recordingRunner((tool, args) => {
    if (tool !== 'kubectl') return versionAnswer(tool, args) ?? '';
    if (args.includes('nodes')) return JSON.stringify({ items: nodes });
    if (args.includes('pods')) return JSON.stringify({ items: pods });
    if (args.includes('deployment')) return JSON.stringify(deployment);
    return '';
  });
  const target = createKindTarget({ runner });

  it('hot-client fits a default cluster; seed-scale does not, and the message says which cluster:up would hold it', async () => {
    expect(await target.fits!(loadScenarioFile('hot-client').scenario)).toEqual([]);
    const problems = await target.fits!(loadScenarioFile('seed-scale').scenario);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^the run needs 1145 pods \(943 client pods, 150 kube-apiserver pods, 50 etcd pods, 1 gateway pod, 1 webhook pod\)/);
    expect(problems[0]).toContain('have room for 214 pods');
    expect(problems[0]).toContain('npm run cluster:down, then npm run cluster:up -- --workers 5 --max-pods 250');
    expect(runner.calls).toContain('kubectl --context kind-apiserver-lb get nodes -o json');
  });

  it('a user who may not list nodes is not refused: the check is skipped and says so', async () => {
    const lines: string[] = [];
    const forbidden = recordingRunner((tool, args) => {
      if (tool !== 'kubectl') return '';
      if (args.includes('nodes')) return new Error('Error from server (Forbidden): nodes is forbidden: User "dev" cannot list resource "nodes"');
      return args.includes('pods') ? JSON.stringify({ items: [] }) : JSON.stringify(deployment);
    });
    const own = createKindTarget({ target: 'cluster', runner: forbidden, log: (line) => lines.push(line) });
    expect(await own.fits!(loadScenarioFile('seed-scale').scenario)).toEqual([]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cannot read the cluster's room for the run's pods \(.*nodes is forbidden.*\): the capacity check is skipped$/);
  });
});
