// The command plans of the kind target, as pure functions of their inputs (docs/kind.md#plans-and-the-executor):
// `cluster:up` and `cluster:down`, bringing one control plane up for a mode (and tearing it down), the client pods of
// a fleet, and each topology change. The executor (executor.ts) runs them; the dry run prints them.
import {
  GRM_NAME,
  GRM_NAMESPACE,
  KUBE_APISERVER_LABELS,
  KUBE_APISERVER_SERVICE_NAME,
  SHOOT_NAMESPACE_ROLE,
  WEBHOOK_CONFIGURATION_NAME,
} from '../../cluster/gardener.ts';
import type { TopologyChange } from '../../cluster/changes.ts';
import { stringify } from 'yaml';
import { genericKubeconfigFor, planCluster, type ClusterPlan } from '../../cluster/plan.ts';
import { neighbourIdentity } from '../../../scenarios/schema.ts';
import { genericKubeconfigSecret, ownsSeedObject } from '../../cluster/seedObjects.ts';
import { CONTROL_PLANE_LABEL, FLEET_LABEL, MANAGED_BY, type RenderContext } from './manifests/common.ts';
import {
  controlPlaneSecrets,
  ETCD_NAME,
  etcdObjects,
  kubeApiserverDeployment,
  kubeApiserverServiceVariants,
  shootBootstrapObjects,
} from './manifests/controlPlane.ts';
import { controlPlaneIstioObjects, GATEWAY_DEPLOYMENT, gatewayHelmValues, gatewayWideObjects, istiodHelmValues } from './manifests/istio.ts';
import { kindClusterConfig, seedObjectsForCluster, webhookObjects } from './manifests/workloads.ts';
import { controlPlaneNetworkPolicies, gatewayEgressPolicy, NAMESPACE_ALIAS_ANNOTATION } from './manifests/networkPolicies.ts';
import { INTERNAL_SERVICE_NAME } from '../../../webhook/constants.ts';
import type { ResolvedClusterUpOptions, ResolvedKindOptions } from './options.ts';
import {
  applyFile,
  kubectl,
  manifestFile,
  rolloutStatus,
  shootKubectl,
  type CommandPlan,
  type KubeManifest,
  type RenderedFile,
  type SeedAccess,
  type Step,
} from './steps.ts';
import { ISTIO_HELM_REPO, ISTIO_SYSTEM_NAMESPACE, kubeApiserverImage } from './versions.ts';

export const GATEWAY_POD_LABELS = 'app=istio-ingressgateway,istio=ingressgateway';
const MANAGED_BY_KEY = 'app.kubernetes.io/managed-by';
export const KUBE_APISERVER_POD_LABELS = Object.entries(KUBE_APISERVER_LABELS)
  .map(([k, v]) => `${k}=${v}`)
  .join(',');
/** Pods the ReplicaSet deletes first on a scale-down (controller.kubernetes.io/pod-deletion-cost, lower goes first). */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

/** `npm run cluster:up`: the kind cluster, the images in its nodes, Istio with its ingress gateway. Idempotent. */
export function planClusterUp(o: ResolvedClusterUpOptions, installer: 'helm' | 'istioctl'): CommandPlan {
  const dir = `cluster-${o.clusterName}`;
  const access: SeedAccess = { context: `kind-${o.clusterName}` };
  const config: RenderedFile = { path: `${dir}/kind-config.yaml`, content: kindClusterConfig(o.workers, o.nodeImage, o.kubeProxyMode, o.maxPods) };
  const files: RenderedFile[] = [config];
  const steps: Step[] = [
    {
      title: `create the kind cluster ${o.clusterName} (${o.workers} workers, at most ${o.maxPods} pods a node, kube-proxy ${o.kubeProxyMode})`,
      tool: 'kind',
      args: ['create', 'cluster', '--name', o.clusterName, '--config', { file: config.path }, '--wait', '180s'],
      timeoutMs: 600_000,
      skipIf: { tool: 'kind', args: ['get', 'clusters'], stdoutLine: o.clusterName },
    },
    {
      title: 'build the webhook image (webhook/Dockerfile)',
      tool: 'docker',
      args: ['build', '-f', `${o.repoRoot}/webhook/Dockerfile`, '-t', o.images.webhook, o.repoRoot],
      timeoutMs: 900_000,
    },
    {
      title: 'build the load-client image (scripts/targets/kind/loadClient/Dockerfile)',
      tool: 'docker',
      args: ['build', '-f', `${o.repoRoot}/scripts/targets/kind/loadClient/Dockerfile`, '-t', o.images.loadClient, o.repoRoot],
      timeoutMs: 900_000,
    },
    {
      title: "load the project's images into the kind nodes",
      tool: 'kind',
      args: ['load', 'docker-image', o.images.webhook, o.images.loadClient, '--name', o.clusterName],
      timeoutMs: 900_000,
    },
    ...prePullSteps(o),
  ];
  if (installer === 'helm') {
    const istiod: RenderedFile = { path: `${dir}/istiod-values.yaml`, content: stringify(istiodHelmValues()) };
    const gateway: RenderedFile = { path: `${dir}/gateway-values.yaml`, content: stringify(gatewayHelmValues(2, 1)) };
    files.push(istiod, gateway);
    const helm = (release: string, chart: string, namespace: string, values?: RenderedFile): Step => ({
      title: `install Istio ${chart} ${o.istioVersion} (${namespace}/${release})`,
      tool: 'helm',
      args: [
        'upgrade',
        '--install',
        release,
        chart,
        '--repo',
        ISTIO_HELM_REPO,
        '--version',
        o.istioVersion,
        '--namespace',
        namespace,
        '--create-namespace',
        '--kube-context',
        access.context!,
        ...(values ? ['--values', { file: values.path }] : []),
        '--wait',
        '--timeout',
        '5m',
      ],
      timeoutMs: 420_000,
    });
    steps.push(
      helm('istio-base', 'base', ISTIO_SYSTEM_NAMESPACE),
      helm('istiod', 'istiod', ISTIO_SYSTEM_NAMESPACE, istiod),
      helm(GATEWAY_DEPLOYMENT, 'gateway', o.gatewayNamespace, gateway),
    );
  } else {
    const operator: RenderedFile = { path: `${dir}/istio-operator.yaml`, content: stringify(istioOperator(o)) };
    files.push(operator);
    steps.push({
      title: `install Istio with istioctl (${o.gatewayNamespace}/${GATEWAY_DEPLOYMENT})`,
      tool: 'istioctl',
      args: ['install', '-y', '--context', access.context!, '-f', { file: operator.path }],
      timeoutMs: 600_000,
    });
  }
  steps.push(rolloutStatus(access, o.gatewayNamespace, `deployment/${GATEWAY_DEPLOYMENT}`));
  return { steps, files };
}

/** The nodes kind creates: `<name>-control-plane`, `<name>-worker`, `<name>-worker2`, ... (kind's node namer). */
export function kindNodeNames(clusterName: string, workers: number): { controlPlane: string; workers: string[] } {
  return {
    controlPlane: `${clusterName}-control-plane`,
    workers: Array.from({ length: workers }, (_, i) => `${clusterName}-worker${i === 0 ? '' : i + 1}`),
  };
}

/**
 * The registry.k8s.io images the control planes run, pulled by the nodes that will run them (the workers; the
 * control-plane node when there are none) with their own containerd (`crictl pull` inside the node container). Not
 * `docker pull` + `kind load`: with Docker's containerd image store (the default of Docker Desktop and of new Docker
 * Engines) loading a multi-arch image fails with "content digest not found" (kubernetes-sigs/kind#3795). Optional: a
 * node pulls the image itself when the first pod needs it, so a failed pre-pull only makes the first start slower.
 */
function prePullSteps(o: ResolvedClusterUpOptions): Step[] {
  const nodes = kindNodeNames(o.clusterName, o.workers);
  return (nodes.workers.length > 0 ? nodes.workers : [nodes.controlPlane]).flatMap((node) =>
    [kubeApiserverImage(o.kubeApiserverVersion), o.etcdImage].map((image): Step => ({
      title: `pre-pull ${image} in node ${node}`,
      tool: 'docker',
      args: ['exec', node, 'crictl', 'pull', image],
      timeoutMs: 600_000,
      optional: 'the node pulls the image when the first pod needs it',
    })),
  );
}

/** The same gateway as the Helm values, for `istioctl install` (IstioOperator). */
function istioOperator(o: ResolvedClusterUpOptions): Record<string, unknown> {
  const values = gatewayHelmValues(2, 1) as { labels: Record<string, string>; service: { ports: unknown[] } };
  return {
    apiVersion: 'install.istio.io/v1alpha1',
    kind: 'IstioOperator',
    spec: {
      tag: o.istioVersion,
      components: {
        ingressGateways: [
          {
            name: GATEWAY_DEPLOYMENT,
            namespace: o.gatewayNamespace,
            enabled: true,
            label: values.labels,
            k8s: { replicaCount: 2, service: { type: 'ClusterIP', ports: values.service.ports } },
          },
        ],
      },
    },
  };
}

/** `npm run cluster:down`: the kind cluster goes, with everything in it. */
export function planClusterDown(clusterName: string): CommandPlan {
  return {
    steps: [{ title: `delete the kind cluster ${clusterName}`, tool: 'kind', args: ['delete', 'cluster', '--name', clusterName], timeoutMs: 300_000 }],
    files: [],
  };
}

/**
 * `npm run cluster:clean`: what runs left on a cluster they did not finish on (Ctrl-C cut short, a crash), found by the
 * label every object the target creates carries (MANAGED_BY). The webhook registration first: with failurePolicy Fail
 * on shoot namespaces, a registration whose webhook is gone refuses every pod created there. Then the control-plane
 * namespaces (only those labelled as shoots: the `garden` and gateway namespaces the runs also label are never
 * deleted), the gateway-wide and per-control-plane objects in the gateway namespace, and the webhook's objects. The
 * Istio installation and the gateway Deployment stay.
 */
export function planClusterClean(access: SeedAccess, gatewayNamespace: string): CommandPlan {
  const managed = `${MANAGED_BY_KEY}=${MANAGED_BY[MANAGED_BY_KEY]}`;
  const remove = (title: string, args: string[], timeoutMs = 120_000) => kubectl(access, title, ['delete', ...args, '--ignore-not-found'], timeoutMs);
  return {
    steps: [
      remove('remove the webhook registration (pods in shoot namespaces are refused while it points at no webhook)', [
        'mutatingwebhookconfiguration',
        '-l',
        managed,
      ]),
      remove('delete the control-plane namespaces the runs created', [
        'namespace',
        '-l',
        `${managed},gardener.cloud/role=${SHOOT_NAMESPACE_ROLE}`,
        '--wait=false',
      ]),
      remove(`delete the runs' EnvoyFilters, TLS secrets and the internal gateway Service in ${gatewayNamespace}`, [
        'envoyfilter,secret,service,configmap',
        '-n',
        gatewayNamespace,
        '-l',
        managed,
      ]),
      remove(`delete the webhook in ${GRM_NAMESPACE}`, ['deployment,service,secret,serviceaccount,poddisruptionbudget', '-n', GRM_NAMESPACE, '-l', managed]),
      remove("delete the webhook's cluster-wide RBAC", ['clusterrole,clusterrolebinding', '-l', managed]),
    ],
    files: [],
  };
}

/**
 * The webhook registration goes first whenever a run's objects go: with failurePolicy Fail on shoot namespaces, a
 * registration whose webhook is gone (or whose caBundle is stale) refuses every pod created there.
 */
export function planRegistrationRemoval(access: SeedAccess): Step {
  return kubectl(access, 'remove the webhook registration (pods in shoot namespaces are admitted without it)', [
    'delete',
    'mutatingwebhookconfiguration',
    WEBHOOK_CONFIGURATION_NAME,
    '--ignore-not-found',
  ]);
}

/**
 * Removes what an earlier run left of this control plane: with `removeRegistration` the webhook registration first
 * (its CA is stale); a neighbour's teardown leaves it (the registration is the seed's, removed with the control plane
 * under test), and close() removes it before anything else.
 */
export function planControlPlaneTeardown(
  access: SeedAccess,
  namespace: string,
  istioNamespace: string,
  wait: boolean,
  removeRegistration: boolean,
): CommandPlan {
  const steps: Step[] = removeRegistration ? [planRegistrationRemoval(access)] : [];
  steps.push(
    kubectl(access, `delete this control plane's objects in ${istioNamespace}`, [
      'delete',
      'envoyfilter,secret',
      '-n',
      istioNamespace,
      '-l',
      `${CONTROL_PLANE_LABEL}=${namespace}`,
      '--ignore-not-found',
    ]),
    kubectl(access, `delete the control-plane namespace ${namespace}`, ['delete', 'namespace', namespace, '--ignore-not-found', `--wait=${wait}`], 300_000),
  );
  if (wait)
    steps.push(
      kubectl(access, `wait until ${namespace} is gone`, ['wait', '--for=delete', `namespace/${namespace}`, '--timeout=240s'], 250_000, {
        okIfStderr: /not found/i,
      }),
    );
  return { steps, files: [] };
}

/**
 * One mode's control plane, from scratch: the namespaces, the webhook, the seed objects, etcd, the kube-apiserver
 * replicas, the gateway's settings and the mode's Istio objects, the webhook registration last (it must not admit
 * pods of a half-set-up control plane, buildSeedObjects' order), then the shoot's own bootstrap objects.
 *
 * A neighbour's plan (docs/scenarios.md#shared-gateway) gets only what is its own: its namespace and the seed objects
 * in it, its secrets, etcd, kube-apiserver replicas, Istio objects and shoot bootstrap. The webhook, the gateway's
 * settings and the registration are the seed's and come with the control plane under test, planned first.
 */
export function planControlPlane(ctx: RenderContext, access: SeedAccess): CommandPlan {
  const { plan } = ctx;
  const role = plan.neighbour ? 'neighbour' : 'under-test';
  const dir = `${plan.namespace}/${plan.mode.name}`;
  const seed = seedObjectsForCluster(ctx).filter((s) => role === 'under-test' || ownsSeedObject(plan, s.object));
  const namespaces = seed.filter((s) => s.object.kind === 'Namespace').map((s) => s.object);
  const registration = seed.filter((s) => s.object.kind === 'MutatingWebhookConfiguration').map((s) => s.object);
  const seedRest = seed.filter((s) => s.object.kind !== 'Namespace' && s.object.kind !== 'MutatingWebhookConfiguration').map((s) => s.object);
  const apiService = seedRest.find((o) => o.kind === 'Service' && o.metadata.name === KUBE_APISERVER_SERVICE_NAME)!;
  if (plan.mode.gatewayMode === 'terminate') seedRest.push(...kubeApiserverServiceVariants(apiService));
  const secretLike = (objects: KubeManifest[]) => (objects.some((o) => o.kind === 'Secret') ? 0o600 : undefined);

  const files = {
    namespaces: manifestFile(`${dir}/00-namespaces.yaml`, namespaces),
    webhook: manifestFile(`${dir}/10-webhook.yaml`, role === 'under-test' ? webhookObjects(ctx) : [], 0o600),
    seed: manifestFile(`${dir}/20-seed-objects.yaml`, seedRest, secretLike(seedRest)),
    policies: manifestFile(`${dir}/21-network-policies.yaml`, controlPlaneNetworkPolicies(plan)),
    secrets: manifestFile(`${dir}/30-control-plane-secrets.yaml`, controlPlaneSecrets(ctx), 0o600),
    etcd: manifestFile(`${dir}/31-etcd.yaml`, etcdObjects(ctx)),
    apiserver: manifestFile(`${dir}/32-kube-apiserver.yaml`, [kubeApiserverDeployment(ctx)], 0o600),
    gatewayWide: manifestFile(
      `${dir}/40-gateway-filters.yaml`,
      role === 'under-test' ? gatewayWideObjects(plan.istioNamespace, plan.topology.gateway.maxConcurrentStreams) : [],
    ),
    istio: manifestFile(`${dir}/41-istio-${plan.mode.name}.yaml`, controlPlaneIstioObjects(ctx), 0o600),
    registration: manifestFile(`${dir}/50-webhook-configuration.yaml`, registration),
    shoot: manifestFile(`${dir}/60-shoot-bootstrap.yaml`, shootBootstrapObjects(plan)),
  };
  const gateway = plan.topology.gateway;
  const seedWide = role === 'under-test';
  const steps: Step[] = [
    ...planControlPlaneTeardown(access, plan.namespace, plan.istioNamespace, true, role === 'under-test').steps,
    applyFile(access, 'create the namespaces (control plane: gardener.cloud/role=shoot)', files.namespaces),
  ];
  if (seedWide)
    steps.push(
      applyFile(access, `deploy the webhook (${GRM_NAMESPACE}/${GRM_NAME}) with this run's serving certificate`, files.webhook),
      rolloutStatus(access, GRM_NAMESPACE, `deployment/${GRM_NAME}`),
    );
  steps.push(
    applyFile(
      access,
      `create the seed objects${seedWide ? '' : ` of ${plan.namespace}`}: Services, the generic token kubeconfig, shoot-access tokens` +
        (plan.mode.internalLoadBalancingConfigMap ? ', the ConfigMap istio-internal-load-balancing' : ''),
      files.seed,
    ),
    applyFile(
      access,
      "write the NetworkPolicies gardener-resource-manager would: the client pods' egress to DNS, the kube-apiserver and the internal gateway",
      files.policies,
    ),
    applyFile(access, 'create the control plane secrets (certificates, static tokens, service-account key)', files.secrets),
    applyFile(access, 'deploy etcd', files.etcd),
    rolloutStatus(access, plan.namespace, `deployment/${ETCD_NAME}`),
    applyFile(access, `deploy ${plan.topology.controlPlane.replicas} kube-apiserver replicas (${ctx.options.kubeApiserverVersion})`, files.apiserver),
    rolloutStatus(access, plan.namespace, `deployment/${KUBE_APISERVER_SERVICE_NAME}`, ctx.options.readyTimeoutMs),
  );
  if (seedWide)
    steps.push(
      kubectl(access, `give the ingress gateway ${gateway.pods} pods with ${gateway.upstreamConnectionsPerEndpoint} Envoy worker(s) each`, [
        'patch',
        'deployment',
        GATEWAY_DEPLOYMENT,
        '-n',
        plan.istioNamespace,
        '--type=merge',
        '-p',
        JSON.stringify({
          spec: {
            replicas: gateway.pods,
            template: { metadata: { annotations: { 'proxy.istio.io/config': JSON.stringify({ concurrency: gateway.upstreamConnectionsPerEndpoint }) } } },
          },
        }),
      ]),
      applyFile(access, 'configure the gateway: Lua filters (X-Remote-* strip, 421 on SNI mismatch), HTTP/2 settings', files.gatewayWide),
    );
  if ((files.istio.objects ?? []).length > 0) steps.push(applyFile(access, `create the ${plan.mode.name} Istio objects of ${plan.namespace}`, files.istio));
  if (seedWide)
    steps.push(
      rolloutStatus(access, plan.istioNamespace, `deployment/${GATEWAY_DEPLOYMENT}`, ctx.options.readyTimeoutMs),
      applyFile(access, 'register the webhook (MutatingWebhookConfiguration, caBundle of this run)', files.registration),
    );
  steps.push(
    shootKubectl(`create the clients' namespace, RBAC and API Priority and Fairness objects in the shoot${seedWide ? '' : ` of ${plan.namespace}`}`, [
      'apply',
      '--server-side',
      '--field-manager=apiserver-l7-testbed',
      '-f',
      { file: files.shoot.path },
    ]),
  );
  const allFiles = Object.values(files).filter((f) => (f.objects ?? []).length > 0);
  return { steps, files: allFiles };
}

/** The client pods of one fleet: one file and one `kubectl create` per pod (admission answers per pod), then the wait. */
export function planClientPods(
  access: SeedAccess,
  namespace: string,
  fleet: string,
  pods: { name: string; object: KubeManifest }[],
  readyTimeoutMs: number,
): CommandPlan {
  const files = pods.map((p) => manifestFile(`${namespace}/clients/${fleet}/${p.name}.yaml`, [p.object]));
  const steps: Step[] = files.map((file, i) =>
    kubectl(access, `create client pod ${pods[i]!.name} (admitted by the webhook)`, ['create', '-f', { file: file.path }, '-o', 'json'], 60_000),
  );
  if (pods.length > 0)
    steps.push(
      kubectl(
        access,
        `wait for fleet ${fleet}'s pods to be ready`,
        ['wait', '--for=condition=Ready', 'pod', '-n', namespace, '-l', `${FLEET_LABEL}=${fleet}`, `--timeout=${Math.round(readyTimeoutMs / 1000)}s`],
        readyTimeoutMs + 10_000,
      ),
    );
  return { steps, files };
}

/** What a change plan needs to know about the cluster now (which pod backs a replica, how many there are). */
export interface ChangeContext {
  access: SeedAccess;
  namespace: string;
  istioNamespace: string;
  /** The pod behind the change's replica or gateway pod. */
  pod?: string;
  /** kube-apiserver replicas (or gateway pods) the Deployment has now. */
  count: number;
  /** The rendered file of the seed object a recreate-seed-object change creates, or of the new generic kubeconfig. */
  objectFile?: RenderedFile;
  webhookReplicas: number;
}

/**
 * The CLI calls of a topology change on a real cluster (what `apply` runs before it waits for the outcome). Changes
 * with no real equivalent throw; `check(scenario)` reports the events that would need them before anything starts.
 */
export function planChange(change: TopologyChange, c: ChangeContext): CommandPlan {
  const k = (title: string, args: Step['args'], timeoutMs?: number) => kubectl(c.access, title, args, timeoutMs);
  const removeWithCost = (namespace: string, deployment: string, pod: string, count: number): Step[] => [
    k(`make ${pod} the pod the ReplicaSet removes first`, ['annotate', 'pod', pod, '-n', namespace, `${POD_DELETION_COST}=-2147483647`, '--overwrite']),
    k(`scale ${deployment} to ${count - 1}`, ['scale', `deployment/${deployment}`, '-n', namespace, `--replicas=${count - 1}`]),
  ];
  const need = (what: string) => {
    if (!c.pod) throw new Error(`${change.type}: no pod known for ${what}`);
    return c.pod;
  };
  const files = c.objectFile ? [c.objectFile] : [];
  switch (change.type) {
    case 'add-apiserver':
      return {
        steps: [
          k(`scale ${KUBE_APISERVER_SERVICE_NAME} to ${c.count + 1}`, [
            'scale',
            `deployment/${KUBE_APISERVER_SERVICE_NAME}`,
            '-n',
            c.namespace,
            `--replicas=${c.count + 1}`,
          ]),
        ],
        files,
      };
    case 'remove-apiserver':
      return { steps: removeWithCost(c.namespace, KUBE_APISERVER_SERVICE_NAME, need(change.replica), c.count), files };
    case 'stop-apiserver':
    case 'restart-apiserver': {
      const pod = need(change.replica);
      // kill: the process gets no grace period (its connections reset); graceful: SIGTERM, --shutdown-delay-duration,
      // then GOAWAY drain. Either way the Deployment's ReplicaSet creates the replacement pod at once.
      const args =
        change.mode === 'kill'
          ? ['delete', 'pod', pod, '-n', c.namespace, '--grace-period=0', '--force', '--wait=false']
          : ['delete', 'pod', pod, '-n', c.namespace, '--wait=false'];
      return { steps: [k(`${change.mode === 'kill' ? 'kill' : 'delete (graceful)'} ${pod}`, args)], files };
    }
    case 'start-apiserver':
      // Nothing to run: the Deployment already started the replacement; apply() waits for it to be ready.
      return { steps: [], files };
    case 'add-gateway':
      return {
        steps: [
          k(`scale ${GATEWAY_DEPLOYMENT} to ${c.count + 1}`, [
            'scale',
            `deployment/${GATEWAY_DEPLOYMENT}`,
            '-n',
            c.istioNamespace,
            `--replicas=${c.count + 1}`,
          ]),
        ],
        files,
      };
    case 'remove-gateway':
      return { steps: removeWithCost(c.istioNamespace, GATEWAY_DEPLOYMENT, need(change.pod), c.count), files };
    case 'stop-webhook':
      return {
        steps: [
          k(`scale ${GRM_NAME} to 0 (admission now fails closed: failurePolicy Fail)`, [
            'scale',
            `deployment/${GRM_NAME}`,
            '-n',
            GRM_NAMESPACE,
            '--replicas=0',
          ]),
        ],
        files,
      };
    case 'start-webhook':
      return {
        steps: [
          k(`scale ${GRM_NAME} to ${c.webhookReplicas}`, ['scale', `deployment/${GRM_NAME}`, '-n', GRM_NAMESPACE, `--replicas=${c.webhookReplicas}`]),
          rolloutStatus(c.access, GRM_NAMESPACE, `deployment/${GRM_NAME}`),
        ],
        files,
      };
    case 'delete-seed-object': {
      const [kind, name] = change.object.split('/') as [string, string];
      const namespaced = kind !== 'mutatingwebhookconfiguration';
      const namespace = kind === 'service' ? c.istioNamespace : c.namespace;
      return { steps: [k(`delete ${change.object}`, ['delete', kind, name, ...(namespaced ? ['-n', namespace] : []), '--ignore-not-found'])], files };
    }
    case 'recreate-seed-object':
    case 'set-kubeconfig-server':
      if (!c.objectFile) throw new Error(`${change.type}: no rendered object`);
      return {
        steps: [
          applyFile(
            c.access,
            change.type === 'set-kubeconfig-server' ? `create the generic token kubeconfig for ${change.address}` : `create ${change.object}`,
            c.objectFile,
          ),
        ],
        files,
      };
    case 'set-namespace-alias':
      return { steps: namespaceAliasSteps(change, c), files };
  }
}

/**
 * What GRM's NetworkPolicy controller does when the internal gateway Service's namespace alias annotation changes
 * (manifests/networkPolicies.ts): the annotation, then every control plane's gateway egress policy for the new label.
 */
function namespaceAliasSteps(change: Extract<TopologyChange, { type: 'set-namespace-alias' }>, c: ChangeContext): Step[] {
  if (!c.objectFile) throw new Error(`${change.type}: no rendered policy`);
  const annotation = change.alias ? `${NAMESPACE_ALIAS_ANNOTATION}=${change.alias}` : `${NAMESPACE_ALIAS_ANNOTATION}-`;
  return [
    kubectl(
      c.access,
      change.alias ? `annotate ${INTERNAL_SERVICE_NAME} with the namespace alias ${change.alias}` : `remove the namespace alias of ${INTERNAL_SERVICE_NAME}`,
      ['annotate', 'service', INTERNAL_SERVICE_NAME, '-n', c.istioNamespace, annotation, '--overwrite'],
    ),
    applyFile(c.access, `rewrite the gateway egress policies for the label ${change.alias ?? c.istioNamespace} (as GRM's controller would)`, c.objectFile),
  ];
}

/**
 * The rendered object a recreate-seed-object or set-kubeconfig-server change applies; for set-namespace-alias, the
 * gateway egress policy of the control plane and of each neighbour (`neighbours`), as GRM rewrites every namespace's.
 */
export function changeObjectFile(change: TopologyChange, ctx: RenderContext, dir: string, neighbours: ClusterPlan[] = []): RenderedFile | undefined {
  if (change.type === 'set-namespace-alias')
    return manifestFile(
      `${dir}/gateway-egress-policies-${change.alias ?? 'no-alias'}.yaml`,
      [ctx.plan, ...neighbours].map((p) => gatewayEgressPolicy(p, change.alias)),
    );
  if (change.type === 'recreate-seed-object') {
    const seed = seedObjectsForCluster(ctx).find((s) => s.id === change.object);
    return seed ? manifestFile(`${dir}/${change.object.replace('/', '-')}.yaml`, [seed.object]) : undefined;
  }
  if (change.type === 'set-kubeconfig-server') {
    const kubeconfig = genericKubeconfigFor(ctx.plan.namespace, ctx.plan.publicHost, change.address);
    return manifestFile(
      `${dir}/${kubeconfig.secretName}.yaml`,
      [genericKubeconfigSecret(ctx.plan, kubeconfig, ctx.pems).object as unknown as KubeManifest],
      0o600,
    );
  }
  return undefined;
}

/**
 * The plan as the kind target runs it on this cluster: its control-plane namespaces (its neighbours' too) get the
 * configured prefix, and the ingress gateway is the cluster's, in the configured namespace (the scenario's
 * `topology.gateway.namespace` is Gardener's istio-ingress; a cluster's gateway lives where it was installed).
 */
export function planForKind(plan: ClusterPlan, o: ResolvedKindOptions): ClusterPlan {
  if (!o.namespacePrefix && plan.topology.gateway.namespace === o.gatewayNamespace) return plan;
  const topology = {
    ...plan.topology,
    gateway: { ...plan.topology.gateway, namespace: o.gatewayNamespace },
    controlPlane: { ...plan.topology.controlPlane, namespace: `${o.namespacePrefix}${plan.topology.controlPlane.namespace}` },
    neighbours: plan.topology.neighbours.map((n) => ({ ...n, namespace: `${o.namespacePrefix}${neighbourIdentity(n).namespace}` })),
  };
  return planCluster(topology, plan.mode, plan.randomSeed, plan.options);
}
