// Every manifest the kind target renders, for several scenario settings (each mode, 1/3/5 replicas, goaway,
// ROUND_ROBIN), validated offline with kubernetes-models and @kubernetes-models/istio, and checked for what no schema
// checks: selectors match pod labels, Service target ports are container ports, the webhook caBundle verifies its
// serving certificate, the kubeconfig's server is the host the webhook's hostAlias maps, the DestinationRule policy is
// the scenario's, and every kube-apiserver flag exists in the deployed version.
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { MutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { FlowSchema } from 'kubernetes-models/flowcontrol.apiserver.k8s.io/v1/FlowSchema';
import { PriorityLevelConfiguration } from 'kubernetes-models/flowcontrol.apiserver.k8s.io/v1/PriorityLevelConfiguration';
import { EnvoyFilter } from '@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter';
import { DestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule';
import { Gateway } from '@kubernetes-models/istio/networking.istio.io/v1beta1/Gateway';
import { VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKubeconfig } from '../../../scripts/cluster/kubeconfig.ts';
import { dryRunKindScenario, type KindDryRun } from '../../../scripts/targets/kind/dryRun.ts';
import { SUPPORTED_KUBE_MINORS, unknownKubeApiserverFlags } from '../../../scripts/targets/kind/kubeApiserverFlags.ts';
import { GATEWAY_TARGET_PORT } from '../../../webhook/constants.ts';
import { defaultPod } from '../../../webhook/handler.ts';
import { gatewayHelmValues } from '../../../scripts/targets/kind/manifests/istio.ts';
import { kubeApiserverFlags } from '../../../scripts/targets/kind/manifests/controlPlane.ts';
import { KUBE_APISERVER_VERSIONS } from '../../../scripts/targets/kind/versions.ts';
import type { KubeManifest, RenderedFile } from '../../../scripts/targets/kind/steps.ts';
import { Scenario } from '../../../scenarios/schema.ts';

const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'v1/Secret': Secret,
  'v1/ConfigMap': ConfigMap,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Pod': Pod,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ClusterRoleBinding,
  'admissionregistration.k8s.io/v1/MutatingWebhookConfiguration': MutatingWebhookConfiguration,
  'flowcontrol.apiserver.k8s.io/v1/FlowSchema': FlowSchema,
  'flowcontrol.apiserver.k8s.io/v1/PriorityLevelConfiguration': PriorityLevelConfiguration,
  'networking.istio.io/v1beta1/Gateway': Gateway,
  'networking.istio.io/v1beta1/VirtualService': VirtualService,
  'networking.istio.io/v1beta1/DestinationRule': DestinationRule,
  'networking.istio.io/v1alpha3/EnvoyFilter': EnvoyFilter,
};

function scenario(overrides: { replicas?: number; lbPolicy?: string; apf?: boolean; neighbour?: boolean } = {}) {
  return Scenario.parse({
    name: 'kind-test',
    duration: '5s',
    topology: {
      controlPlane: {
        replicas: overrides.replicas ?? 3,
        goawayChance: 0.002,
        ...(overrides.apf
          ? {
              apf: {
                priorityLevels: [
                  { metadata: { name: 'load' }, spec: { type: 'Limited', limited: { nominalConcurrencyShares: 10, limitResponse: { type: 'Reject' } } } },
                ],
                flowSchemas: [
                  {
                    metadata: { name: 'load' },
                    spec: {
                      priorityLevelConfiguration: { name: 'load' },
                      matchingPrecedence: 500,
                      rules: [
                        {
                          subjects: [{ kind: 'Group', group: { name: 'system:serviceaccounts' } }],
                          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'], namespaces: ['*'] }],
                        },
                      ],
                    },
                  },
                ],
              },
            }
          : {}),
      },
      gateway: { pods: 2, ...(overrides.lbPolicy ? { lbPolicy: overrides.lbPolicy } : {}) },
      ...(overrides.neighbour ? { neighbours: [{ name: 'quiet', replicas: 2 }] } : {}),
    },
    clients: [
      { name: 'heavy', rate: 50, qps: 100, burst: 200 },
      { name: 'light', count: 2, rate: 2, watches: [{ resource: 'leases' }] },
      ...(overrides.neighbour ? [{ name: 'other', count: 2, rate: 2, controlPlane: 'quiet' }] : []),
    ],
  });
}

const SETTINGS = [
  { label: '3 replicas', replicas: 3 },
  { label: '1 replica', replicas: 1 },
  { label: '5 replicas, ROUND_ROBIN, APF objects', replicas: 5, lbPolicy: 'ROUND_ROBIN', apf: true },
  { label: '3 replicas and a neighbour control plane', replicas: 3, neighbour: true },
];

let tmp: string;
/** Each setting's own folder (two settings may have the same replica count). */
const outDir = (setting: (typeof SETTINGS)[number]) => setting.label.replace(/[^a-z0-9]+/gi, '-');
const runs = new Map<string, KindDryRun>();
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kind-manifests-'));
  for (const s of SETTINGS) runs.set(s.label, await dryRunKindScenario({ scenario: scenario(s), randomSeed: 7, out: path.join(tmp, outDir(s)) }));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * @kubernetes-models/istio 2.3.0 was generated before Istio's ServerTLSSettings gained OPTIONAL_MUTUAL (the mode
 * Gardener's TLS-termination Gateway uses, docs/gardener.md#gateway-and-virtualservice): its enum lacks that one value,
 * so a Gateway is validated with MUTUAL in its place and everything else as rendered.
 */
function forSchema(object: any): any {
  if (object.kind !== 'Gateway') return object;
  const copy = structuredClone(object);
  for (const server of copy.spec.servers) if (server.tls?.mode === 'OPTIONAL_MUTUAL') server.tls.mode = 'MUTUAL';
  return copy;
}

const objectsOf = (files: RenderedFile[]) => files.flatMap((f) => f.objects ?? []);
const find = (objects: KubeManifest[], kind: string, name: string, namespace?: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace)) as any;
const podTemplates = (objects: KubeManifest[]) =>
  objects.flatMap((o) =>
    o.kind === 'Deployment'
      ? [{ namespace: o.metadata.namespace!, ...(o as any).spec.template }]
      : o.kind === 'Pod'
        ? [{ namespace: o.metadata.namespace!, ...(o as any) }]
        : [],
  );
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each(SETTINGS)('rendered manifests ($label)', (setting) => {
  const run = () => runs.get(setting.label)!;

  it('every object of every mode validates offline (also after a YAML round trip of the written files)', () => {
    let count = 0;
    for (const { plan } of run().modes) {
      for (const file of plan.files.filter((f) => f.objects)) {
        const written = parseAllDocuments(fs.readFileSync(path.join(tmp, outDir(setting), file.path), 'utf8')).map((d) => d.toJS());
        expect(written).toEqual(file.objects);
        for (const object of written) {
          const Model = MODELS[`${object.apiVersion}/${object.kind}`];
          expect(Model, `no model for ${object.apiVersion}/${object.kind}`).toBeDefined();
          expect(() => new Model!(forSchema(object)).validate(), `${file.path}: ${object.kind}/${object.metadata.name}`).not.toThrow();
          count++;
        }
      }
    }
    expect(count).toBeGreaterThan(100);
  });

  it('every Service selects pods that exist, on ports those pods serve', () => {
    for (const { plan, clusterPlan } of run().modes) {
      const objects = objectsOf(plan.files);
      const templates = podTemplates(objects);
      for (const service of objects.filter((o) => o.kind === 'Service') as any[]) {
        const selector = service.spec.selector as Record<string, string>;
        if (service.metadata.namespace === clusterPlan.istioNamespace) {
          // The gateway's pods come from Istio's gateway chart with these values (labels, Service 443 → 9443).
          const values = gatewayHelmValues(2, 1) as any;
          expect(matches(selector, values.labels), `${service.metadata.name} selects the gateway`).toBe(true);
          for (const port of service.spec.ports) expect(values.service.ports.map((p: any) => p.targetPort)).toContain(port.targetPort);
          expect(service.spec.ports.map((p: any) => p.targetPort)).toContain(GATEWAY_TARGET_PORT);
          continue;
        }
        const selected = templates.filter((t) => t.namespace === service.metadata.namespace && matches(selector, t.metadata.labels));
        expect(selected.length, `pods for Service ${service.metadata.namespace}/${service.metadata.name}`).toBeGreaterThan(0);
        const containerPorts = selected.flatMap((t: any) => t.spec.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort)));
        for (const port of service.spec.ports) expect(containerPorts, `${service.metadata.name} port ${port.port}`).toContain(port.targetPort);
      }
      for (const deployment of objects.filter((o) => o.kind === 'Deployment') as any[]) {
        expect(matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels), deployment.metadata.name).toBe(true);
      }
    }
  });

  it('the Lua filters and the EnvoyFilter patches address the listener the internal Service targets', () => {
    for (const { plan } of run().modes) {
      const filters = objectsOf(plan.files).filter((o) => o.kind === 'EnvoyFilter') as any[];
      const listenerPorts = filters.flatMap((f) => f.spec.configPatches.map((p: any) => p.match.listener?.portNumber).filter(Boolean));
      expect(listenerPorts.length).toBeGreaterThan(0);
      expect(new Set(listenerPorts)).toEqual(new Set([GATEWAY_TARGET_PORT]));
    }
  });

  it("the webhook's caBundle verifies its serving certificate, which names the Service kube-apiserver dials", () => {
    for (const { plan } of run().modes) {
      const objects = objectsOf(plan.files);
      const mwc = objects.find((o) => o.kind === 'MutatingWebhookConfiguration') as any;
      const webhook = mwc.webhooks[0];
      const tls = find(objects, 'Secret', `${webhook.clientConfig.service.name}-tls`, webhook.clientConfig.service.namespace);
      expect(tls, 'the webhook TLS secret').toBeDefined();
      const ca = new X509Certificate(Buffer.from(webhook.clientConfig.caBundle, 'base64'));
      const serving = new X509Certificate(Buffer.from(tls.data['tls.crt'], 'base64'));
      expect(serving.verify(ca.publicKey)).toBe(true);
      expect(serving.subjectAltName).toContain(`DNS:${webhook.clientConfig.service.name}.${webhook.clientConfig.service.namespace}.svc`);
      // The Service it names exists and is the one in front of the webhook pods.
      expect(find(objects, 'Service', webhook.clientConfig.service.name, webhook.clientConfig.service.namespace)).toBeDefined();
    }
  });

  it("the client pods' kubeconfig server is the host the webhook maps (hostAlias) and the gateway serves", async () => {
    for (const { plan, clusterPlan, mode } of run().modes) {
      const objects = objectsOf(plan.files);
      const secret = find(objects, 'Secret', clusterPlan.genericKubeconfig.secretName, clusterPlan.namespace);
      const kubeconfig = parseKubeconfig(Buffer.from(secret.data.kubeconfig, 'base64').toString('utf8'));
      const host = new URL(kubeconfig.server).hostname;
      const pod = objects.find((o) => o.kind === 'Pod') as any;
      expect(pod.spec.volumes[0].projected.sources[0].secret.name).toBe(clusterPlan.genericKubeconfig.secretName);
      const configMap = find(objects, 'ConfigMap', 'istio-internal-load-balancing', clusterPlan.namespace);
      const internal = find(objects, 'Service', 'istio-ingressgateway-internal', clusterPlan.istioNamespace);
      expect([internal.spec.clusterIP, internal.spec.clusterIPs], 'the cluster allocates the ClusterIPs').toEqual([undefined, undefined]);
      // Admit the rendered pod with the real webhook handler, the rendered ConfigMap and a Service with a ClusterIP.
      const outcome = await defaultPod(
        pod,
        clusterPlan.namespace,
        {
          getConfigMap: async () => configMap,
          getService: async () => ({ spec: { clusterIP: '10.96.0.42', clusterIPs: ['10.96.0.42'] } }),
        },
        { info: () => undefined, debug: () => undefined },
      );
      if (mode === 'l7' || mode === 'passthrough') {
        expect(outcome.kind).toBe('mutated');
        if (outcome.kind !== 'mutated') continue;
        expect(outcome.hostAliases).toEqual([{ ip: '10.96.0.42', hostnames: [host] }]);
        const gateway = find(objects, 'Gateway', 'kube-apiserver', clusterPlan.namespace);
        expect(gateway.spec.servers[0].hosts).toEqual([host]);
        const serving = new X509Certificate(Buffer.from(find(objects, 'Secret', 'kube-apiserver-tls', clusterPlan.namespace).data['tls.crt'], 'base64'));
        expect(serving.subjectAltName).toContain(`DNS:${host}`);
      } else {
        expect(outcome).toEqual({ kind: 'skipped', reason: 'configmap-not-found' });
        expect(host).toBe('kube-apiserver');
        expect(find(objects, 'Service', host, clusterPlan.namespace)).toBeDefined();
      }
    }
  });

  it("the DestinationRules carry the scenario's lbPolicy and Gardener's connection settings", () => {
    for (const { plan, clusterPlan, mode } of run().modes) {
      const rules = objectsOf(plan.files).filter((o) => o.kind === 'DestinationRule') as any[];
      if (mode === 'direct' || mode === 'goaway') {
        expect(rules).toEqual([]);
        continue;
      }
      expect(rules.length).toBe((mode === 'l7' ? 3 : 1) * (1 + clusterPlan.neighbours.length));
      for (const rule of rules) {
        // Gardener exports them to the istio ingress namespaces only (destinationRuleWithTrafficPolicy at HEAD; "*" at PR time).
        expect(rule.spec.exportTo).toEqual([clusterPlan.istioNamespace]);
        const policy = rule.spec.trafficPolicy;
        expect(policy.connectionPool.tcp).toEqual({ maxConnectionDuration: '86400s', tcpKeepalive: { time: '7200s', interval: '75s' } });
        if (mode === 'l7') {
          expect(policy.loadBalancer).toEqual({ simple: clusterPlan.topology.gateway.lbPolicy });
          expect(policy.outlierDetection).toBeUndefined();
          expect(policy.connectionPool.http).toEqual({ useClientProtocol: true });
          expect(policy.tls.sni).toBe('kubernetes.default.svc.cluster.local');
        } else {
          expect(policy.tls).toEqual({ mode: 'DISABLE' });
          expect(policy.loadBalancer.simple).toBe(
            clusterPlan.topology.gateway.lbPolicy === 'LEAST_REQUEST' ? undefined : clusterPlan.topology.gateway.lbPolicy,
          );
        }
      }
    }
  });

  it("the connection-upgrade cluster's patch matches context ANY, as Gardener's template does (a CLUSTER is not of a listener)", () => {
    for (const { plan, mode } of run().modes) {
      if (mode !== 'l7') continue;
      const filter = objectsOf(plan.files).find((o) => o.kind === 'EnvoyFilter' && o.metadata.name.endsWith('-istio-tls-termination')) as any;
      expect(filter.spec.configPatches.map((p: any) => `${p.applyTo}:${p.match.context}`)).toEqual(['HTTP_ROUTE:GATEWAY', 'CLUSTER:ANY', 'HTTP_ROUTE:GATEWAY']);
    }
  });

  it('every kube-apiserver flag exists in the deployed version; goaway and l7 add theirs', () => {
    for (const { plan, mode } of run().modes) {
      const deployment = find(objectsOf(plan.files), 'Deployment', 'kube-apiserver');
      const args: string[] = deployment.spec.template.spec.containers[0].args;
      expect(deployment.spec.replicas).toBe(setting.replicas);
      expect(unknownKubeApiserverFlags('1.34', args)).toEqual([]);
      expect(args.some((a) => a.startsWith('--goaway-chance='))).toBe(mode === 'goaway');
      if (mode === 'goaway') expect(args).toContain('--goaway-chance=0.002');
      expect(args.includes('--feature-gates=UnauthenticatedHTTP2DOSMitigation=false')).toBe(mode === 'l7');
    }
  });
});

describe('a neighbour control plane behind the same gateway (docs/scenarios.md#shared-gateway)', () => {
  const run = () => runs.get('3 replicas and a neighbour control plane')!;

  it('gets its own namespace, etcd, kube-apiserver and Istio objects, and none of the seed-wide ones', () => {
    for (const { plan, clusterPlan, mode } of run().modes) {
      const neighbour = clusterPlan.neighbours[0]!;
      const own = objectsOf(plan.files.filter((f) => f.path.startsWith(`${neighbour.namespace}/${mode}/`)));
      expect(find(own, 'Namespace', neighbour.namespace)).toBeDefined();
      expect(find(own, 'Deployment', 'kube-apiserver', neighbour.namespace).spec.replicas).toBe(2);
      expect(find(own, 'Deployment', 'etcd', neighbour.namespace)).toBeDefined();
      for (const kind of ['MutatingWebhookConfiguration', 'EnvoyFilter'])
        expect(own.filter((o) => o.kind === kind && o.metadata.namespace !== neighbour.namespace && !o.metadata.name.startsWith(neighbour.namespace))).toEqual(
          [],
        );
      expect(own.filter((o) => o.metadata.namespace === 'garden' || (o.kind === 'Namespace' && o.metadata.name !== neighbour.namespace))).toEqual([]);
      // The seed's webhook registration is removed once, with the control plane under test.
      const registrationDeletes = plan.steps.filter((s) => s.args.includes('mutatingwebhookconfiguration'));
      expect(registrationDeletes).toHaveLength(2); // the fresh start's and the run's end
      if (mode === 'l7') {
        const gateway = find(own, 'Gateway', 'kube-apiserver', neighbour.namespace);
        expect(gateway.spec.servers[0].hosts).toEqual([neighbour.publicHost]);
        expect(own.filter((o) => o.kind === 'DestinationRule')).toHaveLength(3);
      }
    }
  });

  it("admits its pods to its own host and serves them its own certificate, which the other control plane's CA does not verify", async () => {
    for (const { plan, clusterPlan, mode } of run().modes) {
      const neighbour = clusterPlan.neighbours[0]!;
      const objects = objectsOf(plan.files);
      const pod = objects.find((o) => o.kind === 'Pod' && o.metadata.namespace === neighbour.namespace) as any;
      expect(pod.metadata.name).toBe('other-0');
      const secretName = pod.spec.volumes[0].projected.sources[0].secret.name;
      expect(secretName).toBe(neighbour.genericKubeconfig.secretName);
      const outcome = await defaultPod(
        pod,
        neighbour.namespace,
        {
          getConfigMap: async () => find(objects, 'ConfigMap', 'istio-internal-load-balancing', neighbour.namespace),
          getService: async () => ({ spec: { clusterIP: '10.96.0.42', clusterIPs: ['10.96.0.42'] } }),
        },
        { info: () => undefined, debug: () => undefined },
      );
      const serving = new X509Certificate(Buffer.from(find(objects, 'Secret', 'kube-apiserver-tls', neighbour.namespace).data['tls.crt'], 'base64'));
      const kubeconfigOf = (namespace: string, name: string) =>
        parseKubeconfig(Buffer.from(find(objects, 'Secret', name, namespace).data.kubeconfig, 'base64').toString('utf8'));
      const kubeconfig = kubeconfigOf(neighbour.namespace, secretName);
      const ownCa = new X509Certificate(kubeconfig.caPem);
      const otherCa = new X509Certificate(kubeconfigOf(clusterPlan.namespace, clusterPlan.genericKubeconfig.secretName).caPem);
      expect(serving.verify(ownCa.publicKey)).toBe(true);
      expect(serving.verify(otherCa.publicKey)).toBe(false);
      if (mode === 'l7' || mode === 'passthrough') {
        expect(outcome.kind).toBe('mutated');
        if (outcome.kind !== 'mutated') continue;
        expect(outcome.hostAliases).toEqual([{ ip: '10.96.0.42', hostnames: [neighbour.publicHost] }]);
        expect(new URL(kubeconfig.server).hostname).toBe(neighbour.publicHost);
        expect(serving.subjectAltName).toContain(`DNS:${neighbour.publicHost}`);
      } else {
        expect(outcome).toEqual({ kind: 'skipped', reason: 'configmap-not-found' });
        expect(kubeconfig.server).toBe('https://kube-apiserver');
      }
    }
  });
});

describe('kube-apiserver flag list', () => {
  it('knows every flag the target uses at every supported version, and catches unknown ones', () => {
    const run = runs.get('3 replicas')!;
    for (const minor of SUPPORTED_KUBE_MINORS) {
      for (const { clusterPlan } of run.modes) expect(unknownKubeApiserverFlags(minor, kubeApiserverFlags(clusterPlan)), minor).toEqual([]);
      expect(KUBE_APISERVER_VERSIONS[minor].startsWith(`v${minor}.`)).toBe(true);
    }
    expect(unknownKubeApiserverFlags('1.34', ['--tls-curve-preferences=X25519'])).toEqual(['--tls-curve-preferences does not exist in kube-apiserver 1.34']);
    expect(unknownKubeApiserverFlags('1.36', ['--tls-curve-preferences=X25519'])).toEqual([]);
    expect(unknownKubeApiserverFlags('1.34', ['--insecure-port=8080', 'positional', '--feature-gates=NoSuchGate=true'])).toEqual([
      '--insecure-port does not exist in kube-apiserver 1.34',
      '"positional" is not a --flag=value argument',
      'feature gate NoSuchGate is not known for kube-apiserver 1.34',
    ]);
  });
});

describe('offline validation is not vacuous', () => {
  it('a broken DestinationRule, EnvoyFilter or Deployment is rejected', () => {
    const run = runs.get('3 replicas')!;
    const l7 = run.modes.find((m) => m.mode === 'l7')!;
    const objects = objectsOf(l7.plan.files);
    const rule = structuredClone(find(objects, 'DestinationRule', 'kube-apiserver'));
    rule.spec.trafficPolicy.loadBalancer.simple = 'LEAST_CONNECTIONS_PLEASE';
    expect(() => new DestinationRule(rule).validate()).toThrow(/simple/);
    const filter = structuredClone(objects.find((o) => o.kind === 'EnvoyFilter')) as any;
    filter.spec.configPatches[0].applyTo = 'NOT_A_THING';
    expect(() => new EnvoyFilter(filter).validate()).toThrow('configPatches/0/applyTo must be equal to one of the allowed values');
    const deployment = structuredClone(find(objects, 'Deployment', 'kube-apiserver'));
    deployment.spec.template.spec.containers[0].ports[0].containerPort = 'https';
    expect(() => new Deployment(deployment).validate()).toThrow(/containerPort/);
  });
});

describe('dry run output', () => {
  it('writes plan.txt with every step of every mode, and keeps key material private', () => {
    const root = path.join(tmp, outDir(SETTINGS[0]!));
    const text = fs.readFileSync(path.join(root, 'plan.txt'), 'utf8');
    for (const mode of ['direct', 'l7', 'passthrough', 'goaway']) expect(text).toContain(`## mode ${mode}`);
    expect(text).toMatch(/kubectl --context kind-apiserver-lb apply --server-side .* -f \S+\/l7\/41-istio-l7\.yaml/);
    expect(text).toContain(`--kubeconfig ${path.join(root, 'shoot--local--hot/l7/shoot-admin.kubeconfig')}`);
    const secrets = path.join(root, 'shoot--local--hot/l7/30-control-plane-secrets.yaml');
    expect(fs.statSync(secrets).mode & 0o777).toBe(0o600);
    const written = parse(fs.readFileSync(path.join(root, 'shoot--local--hot/l7/shoot-admin.kubeconfig'), 'utf8'));
    expect(written.clusters[0].cluster['tls-server-name']).toBe('kube-apiserver');
  });
});
