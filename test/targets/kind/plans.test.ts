// The command plans as data and the executor that runs them (with a recording runner in place of the CLIs), what
// check(scenario) refuses, the topology changes as kubectl calls, stable replica names, and the client fleet's
// control calls through the pod proxy.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scenario } from '../../../scenarios/schema.ts';
import { KindClientFleet } from '../../../scripts/targets/kind/clientFleet.ts';
import { createKindTarget } from '../../../scripts/targets/kind/kindTarget.ts';
import { parseServerError } from '../../../scripts/targets/kind/serverError.ts';
import { dryRunPlan, executePlan, StepFailedError } from '../../../scripts/targets/kind/executor.ts';
import { resolveClusterUpOptions } from '../../../scripts/targets/kind/options.ts';
import { planChange, planClusterDown, planClusterUp, planForKind, type ChangeContext } from '../../../scripts/targets/kind/plans.ts';
import { ETCD_VERSION, KUBERNETES_VERSION } from '../../../scripts/binaries/versions.ts';
import { planCluster } from '../../../scripts/cluster/plan.ts';
import { MODES } from '../../../scripts/cluster/modes.ts';
import { resolveKindOptions } from '../../../scripts/targets/kind/options.ts';
import { parsePodList, Roster } from '../../../scripts/targets/kind/roster.ts';
import { kubectl, manifestFile, type CommandPlan } from '../../../scripts/targets/kind/steps.ts';
import { recordingRunner } from './recordingRunner.ts';
import type { ClientPodSpec, ClientRunResult } from '../../../scripts/core/clientPod.ts';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-plans-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('executor', () => {
  const access = { context: 'kind-x' };
  const plan = (): CommandPlan => {
    const file = manifestFile('a/b.yaml', [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }], 0o600);
    return {
      files: [file],
      steps: [
        {
          title: 'create',
          tool: 'kind',
          args: ['create', 'cluster', '--name', 'x'],
          timeoutMs: 1000,
          skipIf: { tool: 'kind', args: ['get', 'clusters'], stdoutLine: 'x' },
        },
        kubectl(access, 'apply', ['apply', '-f', { file: file.path }]),
        kubectl(access, 'delete', ['delete', 'ns', 'gone'], 1000, { okIfStderr: /NotFound/ }),
        kubectl(access, 'last', ['get', 'ns']),
      ],
    };
  };

  it('writes the files, then runs the steps in order with file paths resolved; skips what is done', async () => {
    const runner = recordingRunner((tool, args) =>
      tool === 'kind' && args[0] === 'get' ? 'other\nx\n' : args[0] === 'delete' ? new Error('Error from server (NotFound): namespaces "gone" not found') : '',
    );
    const dir = path.join(tmp, 'exec');
    await executePlan(plan(), { runner, workDir: dir });
    expect(runner.calls).toEqual([
      'kind get clusters',
      `kubectl --context kind-x apply -f ${dir}/a/b.yaml`,
      'kubectl --context kind-x delete ns gone',
      'kubectl --context kind-x get ns',
    ]);
    expect(fs.readFileSync(path.join(dir, 'a/b.yaml'), 'utf8')).toContain('kind: Namespace');
    expect(fs.statSync(path.join(dir, 'a/b.yaml')).mode & 0o777).toBe(0o600);
  });

  it('stops at the first failing step and names it', async () => {
    const runner = recordingRunner((tool, args) => (args.includes('apply') ? new Error('error: the server rejected it') : ''));
    const error = await executePlan(plan(), { runner, workDir: path.join(tmp, 'fail') }).catch((e) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    expect(error.index).toBe(1);
    expect(error.message).toMatch(/^step 2 \(apply\) failed: `kubectl --context kind-x apply -f .*` exited with code 1:\nerror: the server rejected it$/);
    expect(runner.calls).toHaveLength(3);
  });

  it('an optional step that fails is logged and the plan goes on; a required one stops it', async () => {
    const optional: CommandPlan = {
      files: [],
      steps: [
        { title: 'pre-pull', tool: 'docker', args: ['exec', 'n', 'crictl', 'pull', 'img'], timeoutMs: 1000, optional: 'the node pulls it later' },
        kubectl(access, 'last', ['get', 'ns']),
      ],
    };
    const runner = recordingRunner((tool) => (tool === 'docker' ? new Error('ctr: content digest sha256:82 not found') : ''));
    const lines: string[] = [];
    const results = await executePlan(optional, { runner, workDir: path.join(tmp, 'optional'), log: (l) => lines.push(l) });
    expect(results.map((r) => r.exitCode)).toEqual([1, 0]);
    expect(runner.calls).toEqual(['docker exec n crictl pull img', 'kubectl --context kind-x get ns']);
    expect(lines[1]).toMatch(/^ {5}optional step failed, going on \(the node pulls it later\): `docker exec n crictl pull img` exited with code 1:$/);
    const required = { ...optional, steps: [{ ...optional.steps[0]!, optional: undefined }, optional.steps[1]!] };
    await expect(executePlan(required, { runner, workDir: path.join(tmp, 'required') })).rejects.toThrow(
      /^step 1 \(pre-pull\) failed: `docker exec n crictl pull img` exited with code 1/,
    );
  });

  it('the dry run prints every call in order and runs none', () => {
    const dir = path.join(tmp, 'dry');
    const out = dryRunPlan(plan(), dir, 'heading');
    expect(out.text.split('\n').filter((l) => l.trim().startsWith('kind ') || l.trim().startsWith('kubectl '))).toEqual([
      '       kind create cluster --name x',
      `       kubectl --context kind-x apply -f ${dir}/a/b.yaml`,
      '       kubectl --context kind-x delete ns gone',
      '       kubectl --context kind-x get ns',
    ]);
    expect(fs.readFileSync(path.join(dir, 'plan.txt'), 'utf8')).toBe(out.text);
  });
});

describe('cluster:up and cluster:down', () => {
  it("creates the cluster idempotently, builds and loads the project's images, pre-pulls the rest in the nodes, installs pinned Istio with Helm", () => {
    const o = resolveClusterUpOptions({ clusterName: 'lab', workers: 3, kubeProxyMode: 'ipvs', repoRoot: '/repo' });
    const plan = planClusterUp(o, 'helm');
    expect(
      plan.steps.map(
        (s) =>
          `${s.tool} ${s.args
            .filter((a) => typeof a === 'string')
            .slice(0, 3)
            .join(' ')}`,
      ),
    ).toEqual([
      'kind create cluster --name',
      'docker build -f /repo/webhook/Dockerfile',
      'docker build -f /repo/scripts/targets/kind/loadClient/Dockerfile',
      'kind load docker-image localhost/pod-kube-apiserver-load-balancing:dev',
      ...['lab-worker', 'lab-worker2', 'lab-worker3'].flatMap((node) => [`docker exec ${node} crictl`, `docker exec ${node} crictl`]),
      'helm upgrade --install istio-base',
      'helm upgrade --install istiod',
      'helm upgrade --install istio-ingressgateway',
      'kubectl --context kind-lab rollout',
    ]);
    expect(plan.steps[0]!.skipIf).toEqual({ tool: 'kind', args: ['get', 'clusters'], stdoutLine: 'lab' });
    // Only the project's own single-platform images go through `kind load` (kubernetes-sigs/kind#3795: multi-arch
    // registry images fail to load with Docker's containerd image store); the nodes pull the others themselves.
    expect(plan.steps.find((s) => s.tool === 'kind' && s.args[0] === 'load')!.args).toEqual([
      'load',
      'docker-image',
      'localhost/pod-kube-apiserver-load-balancing:dev',
      'localhost/apiserver-lb-load-client:dev',
      '--name',
      'lab',
    ]);
    const prePulls = plan.steps.filter((s) => s.args[0] === 'exec');
    expect(prePulls.map((s) => s.args.slice(1).join(' '))).toContain('lab-worker2 crictl pull registry.k8s.io/kube-apiserver:v1.34.10');
    expect(prePulls.every((s) => s.optional !== undefined)).toBe(true);
    expect(
      planClusterUp(resolveClusterUpOptions({ clusterName: 'solo', workers: 0 }), 'helm')
        .steps.filter((s) => s.args[0] === 'exec')
        .map((s) => s.args[1]),
    ).toEqual(['solo-control-plane', 'solo-control-plane']);
    const config = plan.files.find((f) => f.path.endsWith('kind-config.yaml'))!.content;
    expect(config).toContain('kubeProxyMode: ipvs');
    expect(config.match(/role: worker/g)).toHaveLength(3);
    expect(plan.steps.filter((s) => s.tool === 'helm').every((s) => s.args.includes('1.29.6'))).toBe(true);
    const gatewayValues = plan.files.find((f) => f.path.endsWith('gateway-values.yaml'))!.content;
    expect(gatewayValues).toContain('app: istio-ingressgateway');
    expect(gatewayValues).toContain('istio: ingressgateway');
    expect(planClusterUp(o, 'istioctl').steps.some((s) => s.tool === 'istioctl')).toBe(true);
    expect(planClusterDown('lab').steps.map((s) => [s.tool, ...s.args])).toEqual([['kind', 'delete', 'cluster', '--name', 'lab']]);
  });
});

describe('versions', () => {
  it('the kind target deploys the kube-apiserver and etcd that scripts/binaries/versions.ts pins (one source of truth)', () => {
    const o = resolveKindOptions();
    expect(o.kubeApiserverVersion).toBe(KUBERNETES_VERSION);
    expect(o.etcdImage).toBe(`registry.k8s.io/etcd:${ETCD_VERSION.replace(/^v/, '')}-0`);
    expect(o.etcdImage).toBe('registry.k8s.io/etcd:3.6.5-0');
    const up = resolveClusterUpOptions();
    expect([up.kubeApiserverVersion, up.etcdImage]).toEqual([o.kubeApiserverVersion, o.etcdImage]);
  });
});

describe('check(scenario)', () => {
  const base = { name: 't', duration: '10s', clients: [{ name: 'a', rate: 1 }] };
  it('a plain scenario can run; events and settings with no real equivalent are refused before anything starts', () => {
    const target = createKindTarget();
    expect(target.name).toBe('kind');
    expect(target.check(Scenario.parse(base))).toEqual([]);
    // How many pods fit is the cluster's to say (fits(), clusterRoom.ts), not check()'s: 500 client pods are not refused here.
    const many = { ...base, topology: { neighbours: [{ name: 'n' }] }, clients: [...base.clients, { name: 'b', rate: 1, count: 500, controlPlane: 'n' }] };
    expect(target.check(Scenario.parse(many))).toEqual([]);
    const problems = target.check(
      Scenario.parse({
        ...base,
        topology: { gateway: { choiceCount: 3 }, kubeProxy: { mode: 'ipvs' } },
        clients: [{ name: 'a', rate: 1, count: 150 }],
        events: [
          { at: '1s', type: 'kill-apiserver', replica: 0, downFor: '2s' },
          { at: '2s', type: 'kill-apiserver', replica: 1 },
          { at: '5s', type: 'set-namespace-alias', alias: 'old' }, // runs: the target writes GRM's policies
        ],
      }),
    );
    expect(problems).toEqual([
      "topology.kubeProxy.mode is ipvs, but the cluster's kube-proxy runs in iptables mode (kind: recreate it with cluster:up --kube-proxy-mode ipvs)",
      "topology.gateway.choiceCount 3: an Istio DestinationRule cannot set it; Envoy's default of 2 applies",
      'events[0] (kill-apiserver@1s): downFor 2000 ms cannot be honoured: the kube-apiserver Deployment replaces a deleted pod at once (use downFor: 0, or run it on the local target)',
      // At the default time scale 10: the kill at 10 s waits 20 s, then its replacement needs up to 30 s.
      'events[1] (kill-apiserver@2s) starts at 20s, before events[0] (kill-apiserver@1s, at 10s) can be done on a real cluster (about 60s: the replacement pod ready); raise --time-scale (now 10)',
      'events[2] (set-namespace-alias@5s) starts at 50s, before events[1] (kill-apiserver@2s, at 20s) can be done on a real cluster (about 90s: the replacement pod ready); raise --time-scale (now 10)',
      'the load phase ends at 100s, but events[2] (set-namespace-alias@5s) is done only at about 92s on a real cluster (one object applied or deleted) and measuring what it did needs 10 s more; raise --time-scale (now 10)',
    ]);
  });

  it('an unknown kube-apiserver version is refused; --target cluster leaves kube-proxy unchecked; another gateway namespace is the cluster`s', () => {
    const problems = createKindTarget({ target: 'cluster', kubeApiserverVersion: 'v1.20.0', gatewayNamespace: 'gw' }).check(
      Scenario.parse({ ...base, topology: { kubeProxy: { mode: 'ipvs' } } }),
    );
    expect(problems).toEqual(['kube-apiserver v1.20.0: no flag list for this version (supported: 1.33 to 1.36)']);
  });
});

describe('the plan as the kind target runs it', () => {
  it("prefixes every control plane's namespace, the neighbours' too, and keeps each client group with its own", () => {
    const scenario = Scenario.parse({
      name: 't',
      topology: { neighbours: [{ name: 'q' }] },
      clients: [
        { name: 'a', rate: 1 },
        { name: 'b', rate: 1, controlPlane: 'q' },
      ],
    });
    const plan = planForKind(planCluster(scenario.topology, MODES.l7, 1, { clientGroups: scenario.clients }), resolveKindOptions({ namespacePrefix: 'x-' }));
    expect(plan.namespace).toBe('x-shoot--local--hot');
    expect(plan.neighbours.map((n) => [n.namespace, n.publicHost, n.clientGroups])).toEqual([
      ['x-shoot--local--q', 'api.q.local.internal.local.gardener.cloud', ['b']],
    ]);
    expect(plan.clientGroups).toEqual(['a']);
  });

  it("puts the gateway's objects where the cluster's gateway runs (--gateway-namespace)", () => {
    const scenario = Scenario.parse({ name: 't', clients: [{ name: 'a', rate: 1 }] });
    const plan = planForKind(
      planCluster(scenario.topology, MODES.l7, 1, { clientGroups: scenario.clients }),
      resolveKindOptions({ gatewayNamespace: 'istio-system' }),
    );
    expect(plan.istioNamespace).toBe('istio-system');
    expect(plan.namespace).toBe('shoot--local--hot');
  });
});

describe('topology changes as kubectl calls', () => {
  const c: ChangeContext = {
    access: { context: 'kind-x' },
    namespace: 'shoot--a--b',
    istioNamespace: 'istio-ingress',
    pod: 'kube-apiserver-7d-abc',
    count: 3,
    webhookReplicas: 2,
  };
  const calls = (plan: CommandPlan) => plan.steps.map((s) => s.args.filter((a) => typeof a === 'string').join(' '));

  it('scale, delete with a deletion cost, kill without grace, graceful delete, the webhook to zero', () => {
    expect(calls(planChange({ type: 'add-apiserver' }, c))).toEqual(['--context kind-x scale deployment/kube-apiserver -n shoot--a--b --replicas=4']);
    expect(calls(planChange({ type: 'remove-apiserver', replica: 'kube-apiserver-2' }, c))).toEqual([
      '--context kind-x annotate pod kube-apiserver-7d-abc -n shoot--a--b controller.kubernetes.io/pod-deletion-cost=-2147483647 --overwrite',
      '--context kind-x scale deployment/kube-apiserver -n shoot--a--b --replicas=2',
    ]);
    expect(calls(planChange({ type: 'stop-apiserver', replica: 'kube-apiserver-0', mode: 'kill' }, c))).toEqual([
      '--context kind-x delete pod kube-apiserver-7d-abc -n shoot--a--b --grace-period=0 --force --wait=false',
    ]);
    expect(calls(planChange({ type: 'restart-apiserver', replica: 'kube-apiserver-0', mode: 'graceful' }, c))).toEqual([
      '--context kind-x delete pod kube-apiserver-7d-abc -n shoot--a--b --wait=false',
    ]);
    expect(calls(planChange({ type: 'remove-gateway', pod: 'istio-ingressgateway-1' }, { ...c, pod: 'gw-1', count: 2 }))[1]).toBe(
      '--context kind-x scale deployment/istio-ingressgateway -n istio-ingress --replicas=1',
    );
    expect(calls(planChange({ type: 'stop-webhook' }, c))).toEqual(['--context kind-x scale deployment/gardener-resource-manager -n garden --replicas=0']);
    expect(calls(planChange({ type: 'delete-seed-object', object: 'service/istio-ingressgateway-internal' }, c))).toEqual([
      '--context kind-x delete service istio-ingressgateway-internal -n istio-ingress --ignore-not-found',
    ]);
    expect(calls(planChange({ type: 'delete-seed-object', object: 'mutatingwebhookconfiguration/gardener-resource-manager' }, c))).toEqual([
      '--context kind-x delete mutatingwebhookconfiguration gardener-resource-manager --ignore-not-found',
    ]);
    expect(() => planChange({ type: 'set-namespace-alias', alias: 'x' }, c)).toThrow('set-namespace-alias: no rendered policy');
    expect(() => planChange({ type: 'remove-apiserver', replica: 'kube-apiserver-9' }, { ...c, pod: undefined })).toThrow(/no pod known/);
  });
});

describe('stable replica names over replaced pods', () => {
  it('a successor takes over its predecessor name; a scale-up takes the lowest free index', () => {
    const roster = new Roster('kube-apiserver');
    roster.assign(['p-a', 'p-b', 'p-c']);
    expect(roster.names()).toEqual(['kube-apiserver-0', 'kube-apiserver-1', 'kube-apiserver-2']);
    expect(roster.release('kube-apiserver-1')).toBe('p-b');
    expect(roster.podOf('kube-apiserver-1')).toBeUndefined();
    expect(roster.newPods(['p-a', 'p-b', 'p-c', 'p-d'])).toEqual(['p-d']);
    roster.adopt('kube-apiserver-1', 'p-d');
    roster.remove('kube-apiserver-0');
    expect(roster.nextName()).toBe('kube-apiserver-0');
    expect(roster.names()).toEqual(['kube-apiserver-1', 'kube-apiserver-2']);
    expect(() => roster.podOf('kube-apiserver-7')).toThrow(/unknown kube-apiserver "kube-apiserver-7"/);
  });

  it('reads pods from `kubectl get pods -o json`, oldest first, with readiness and host aliases', () => {
    const pods = parsePodList(
      JSON.stringify({
        items: [
          {
            metadata: { name: 'b', creationTimestamp: '2026-01-01T00:00:02Z' },
            status: { podIP: '10.0.0.2', conditions: [{ type: 'Ready', status: 'False' }] },
          },
          {
            metadata: { name: 'a', creationTimestamp: '2026-01-01T00:00:01Z', deletionTimestamp: '2026-01-01T00:01:00Z' },
            spec: { hostAliases: [{ ip: '10.96.0.9', hostnames: ['api.x'] }] },
            status: { podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
          },
        ],
      }),
    );
    expect(pods.map((p) => [p.name, p.ready, p.deleting, p.ip])).toEqual([
      ['a', true, true, '10.0.0.1'],
      ['b', false, false, '10.0.0.2'],
    ]);
    expect(pods[0]!.hostAliases).toEqual([{ ip: '10.96.0.9', hostnames: ['api.x'] }]);
  });

  it("maps kubectl's server errors to the apiserver's status code (a webhook denial)", () => {
    expect(
      parseServerError(
        'Error from server (NotFound): error when creating "/w/heavy-0.yaml": admission webhook "pod-kube-apiserver-load-balancing.resources.gardener.cloud" denied the request: services "istio-ingressgateway-internal" not found\n',
      ),
    ).toEqual({
      code: 404,
      reason: 'NotFound',
      message:
        'admission webhook "pod-kube-apiserver-load-balancing.resources.gardener.cloud" denied the request: services "istio-ingressgateway-internal" not found',
    });
    expect(parseServerError('Error from server (InternalError): Internal error occurred: failed calling webhook').code).toBe(500);
  });
});

describe('the client fleet over the pod proxy', () => {
  const pod = (name: string, group: string, namespace = 'shoot--a--b'): ClientPodSpec => ({ name, group, namespace }) as ClientPodSpec;
  const result = (name: string): ClientRunResult => ({ pod: name, group: 'g', attempts: 3 }) as ClientRunResult;

  it('warm-up, one shared start, results collected until every pod reports, stopped pods deleted after; each pod in its own namespace', async () => {
    const polls = new Map<string, number>();
    const runner = recordingRunner((_tool, args) => {
      const raw = args[args.indexOf('--raw') + 1] ?? '';
      const name = /pods\/([^:]+):8080/.exec(raw)?.[1] ?? '';
      if (raw.includes('/proxy/prepare'))
        return JSON.stringify(name === 'b' ? { answered: 1, error: 'dial tcp: lookup api.x: no such host' } : { answered: 2 });
      if (raw.includes('/proxy/result')) {
        polls.set(name, (polls.get(name) ?? 0) + 1);
        return JSON.stringify(name === 'b' && polls.get(name)! < 2 ? { running: true } : result(name));
      }
      return JSON.stringify({ ok: true });
    });
    // c is a pod of a neighbour control plane (docs/scenarios.md#shared-gateway): it lives in its own namespace.
    const fleet = new KindClientFleet([pod('a', 'g'), pod('b', 'g'), pod('c', 'h', 'shoot--a--n')], runner, { context: 'kind-x' }, 90_000, () => undefined);
    expect(await fleet.prepare()).toEqual({ answered: 5, failed: [{ pod: 'b', error: 'dial tcp: lookup api.x: no such host' }] });
    expect(runner.calls[0]).toBe(
      'kubectl --context kind-x get --raw /api/v1/namespaces/shoot--a--b/pods/a:8080/proxy/prepare?retryForMs=90000 --request-timeout=210s',
    );
    await fleet.setGroup('h', { rate: 7 });
    expect(runner.calls.at(-1)).toContain('/api/v1/namespaces/shoot--a--n/pods/c:8080/proxy/set?rate=7');
    await fleet.stopPods(['a']);
    const results = await fleet.run({ durationMs: 1, maxRequests: 30 });
    expect(results.map((r) => r.pod)).toEqual(['a', 'b', 'c']);
    expect(polls.get('b')).toBe(2);
    const runs = runner.calls.filter((c) => c.includes('/proxy/run?'));
    expect(runs).toHaveLength(3);
    const epochs = new Set(runs.map((c) => /epochUnixMs=(\d+)/.exec(c)![1]));
    expect(epochs.size).toBe(1);
    expect(runs[0]).toContain('durationMs=1&maxRequests=10&');
    expect(runner.calls.some((c) => c === 'kubectl --context kind-x delete pod a -n shoot--a--b --wait=false --ignore-not-found')).toBe(true);
    await fleet.close();
    expect(runner.calls.slice(-2)).toEqual([
      'kubectl --context kind-x delete pod a b -n shoot--a--b --wait=false --ignore-not-found',
      'kubectl --context kind-x delete pod c -n shoot--a--n --wait=false --ignore-not-found',
    ]);
  });
});
