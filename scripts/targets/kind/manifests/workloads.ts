// The rest of what the kind target deploys: the plan's seed objects as a real cluster takes them, the webhook
// (webhook/manifests.ts) serving the seed's MutatingWebhookConfiguration, the client pods running the load client,
// and the kind cluster's own config.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { clientBehaviour, clientPodObject, type PodObject } from '../../../cluster/clientPod.ts';
import { clientCertificateSecretName, GRM_NAME, GRM_NAMESPACE, shootAccessSecretName } from '../../../cluster/gardener.ts';
import type { GenericKubeconfig } from '../../../cluster/plan.ts';
import type { Rng } from '../../../core/random.ts';
import type { ResolvedKindOptions } from '../options.ts';
import { buildSeedObjects, type SeedObject } from '../../../cluster/seedObjects.ts';
import { renderManifests } from '../../../../webhook/manifests.ts';
import type { ClientGroup } from '../../../../scenarios/schema.ts';
import { CONTROL_PORT, LOAD_CLIENT_ENV, type LoadClientSpec } from '../loadClient/protocol.ts';
import type { KubeManifest } from '../steps.ts';
import { FLEET_LABEL, GROUP_LABEL, MANAGED_BY, withLabels, type RenderContext } from './common.ts';
import { LOAD_CLIENT_REQUESTS } from './podResources.ts';
import { TO_DNS_LABEL } from './networkPolicies.ts';
import { LABEL_NETWORK_POLICY_ALLOWED } from '../../../../webhook/networkPolicyLabel.ts';

/**
 * The plan's seed objects (scripts/cluster/seedObjects.ts) for a real cluster: the same objects, except that the
 * Services get their ClusterIPs from the cluster (the plan's are loopback VIPs of the simulator).
 */
export function seedObjectsForCluster(ctx: RenderContext): { id: string; object: KubeManifest }[] {
  return buildSeedObjects(ctx.plan, ctx.pems).map((seed) => ({ id: seed.id, object: forCluster(seed) }));
}

function forCluster(seed: SeedObject): KubeManifest {
  const object = withLabels(structuredClone(seed.object) as KubeManifest, { ...MANAGED_BY });
  if (object.kind === 'Service') {
    const spec = object.spec as Record<string, unknown>;
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  return object;
}

/**
 * gardener-resource-manager's webhook server in `garden` (the Service the seed's MutatingWebhookConfiguration names),
 * with the plan's webhook serving certificate. The configuration itself is the seed object, so it is left out here.
 */
export function webhookObjects(ctx: RenderContext): KubeManifest[] {
  const tls = ctx.pems.keyPair('webhook-serving');
  const objects = renderManifests({
    namespace: GRM_NAMESPACE,
    name: GRM_NAME,
    image: ctx.options.images.webhook,
    caBundle: ctx.pems.authority('webhook-ca'),
    tls,
    imagePullPolicy: ctx.options.imagePullPolicy,
  }).filter((o) => o.kind !== 'MutatingWebhookConfiguration') as KubeManifest[];
  return objects.map((o) => {
    const labelled = withLabels(o, { ...MANAGED_BY });
    if (o.kind !== 'Deployment') return labelled;
    // The server reads its certificate once at start: a new one (every run issues its own) rolls the pods.
    const spec = structuredClone(labelled.spec) as { template: { metadata: { annotations?: Record<string, string> } } };
    spec.template.metadata.annotations = {
      ...spec.template.metadata.annotations,
      'checksum/tls': createHash('sha256').update(tls.certPem).digest('hex').slice(0, 16),
    };
    return { ...labelled, spec };
  });
}

/** The group settings a load-client pod runs with (the same fields the simulator's client pods get). */
export function loadClientSpec(group: ClientGroup, randomSeed: number): LoadClientSpec {
  return { group: group.name, ...clientBehaviour(group), randomSeed };
}

export interface ClientPodRender {
  name: string;
  namespace: string;
  group: ClientGroup;
  fleet: string;
  genericKubeconfig: GenericKubeconfig;
  randomSeed: number;
  image: string;
  imagePullPolicy: string;
}

/**
 * The client pods of one fleet in one control plane's namespace, as planClientPods takes them: each mounts the
 * control plane's current generic kubeconfig and gets its own random seed, forked from `rng` by its name.
 */
export function fleetPodObjects(
  pods: { name: string; group: ClientGroup }[],
  fleet: { name: string; namespace: string; genericKubeconfig: GenericKubeconfig; rng: Rng; options: Pick<ResolvedKindOptions, 'images' | 'imagePullPolicy'> },
): { name: string; object: KubeManifest }[] {
  return pods.map((p) => ({
    name: p.name,
    object: clientPodManifest({
      name: p.name,
      namespace: fleet.namespace,
      group: p.group,
      fleet: fleet.name,
      genericKubeconfig: fleet.genericKubeconfig,
      randomSeed: fleet.rng.fork(`pod-${p.name}`).seed,
      image: fleet.options.images.loadClient,
      imagePullPolicy: fleet.options.imagePullPolicy,
    }) as unknown as KubeManifest,
  }));
}

/**
 * A client pod as Gardener wires a control-plane component (scripts/cluster/clientPod.ts: the projected
 * generic-token-kubeconfig volume, the kube-apiserver policy label), running the load client with a control port.
 */
export function clientPodManifest(render: ClientPodRender): PodObject {
  const pod = clientPodObject({
    name: render.name,
    namespace: render.namespace,
    app: render.group.name,
    genericKubeconfigSecret: render.genericKubeconfig.secretName,
    accessSecret: shootAccessSecretName(render.group.name),
    ...(render.group.auth === 'client-certificate' ? { clientCertificateSecret: clientCertificateSecretName(render.group.name) } : {}),
    container: {
      image: render.image,
      imagePullPolicy: render.imagePullPolicy,
      env: [{ name: LOAD_CLIENT_ENV.spec, value: JSON.stringify(loadClientSpec(render.group, render.randomSeed)) }],
    },
  });
  // The DNS label as Gardener's control-plane pods carry it (the namespace's policies, networkPolicies.ts).
  pod.metadata.labels = {
    ...pod.metadata.labels,
    ...MANAGED_BY,
    [FLEET_LABEL]: render.fleet,
    [GROUP_LABEL]: render.group.name,
    [TO_DNS_LABEL]: LABEL_NETWORK_POLICY_ALLOWED,
  };
  const container = pod.spec.containers[0]!;
  container.env = [
    ...((container.env as unknown[]) ?? []),
    { name: LOAD_CLIENT_ENV.podName, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: LOAD_CLIENT_ENV.podNamespace, valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: LOAD_CLIENT_ENV.podIp, valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
  ];
  container.ports = [{ name: 'control', containerPort: CONTROL_PORT, protocol: 'TCP' }];
  container.readinessProbe = { httpGet: { path: '/healthz', port: CONTROL_PORT }, periodSeconds: 1 };
  container.resources = { requests: { ...LOAD_CLIENT_REQUESTS } };
  container.securityContext = {
    runAsNonRoot: true,
    runAsUser: 65532,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
  container.volumeMounts = [...((container.volumeMounts as unknown[]) ?? []), { name: 'tmp', mountPath: '/tmp' }];
  pod.spec.volumes = [...(pod.spec.volumes ?? []), { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }];
  // The load client reports its results over the control port; it never restarts on its own.
  pod.spec.restartPolicy = 'Never';
  pod.spec.terminationGracePeriodSeconds = 5;
  // It talks to the shoot with the generic kubeconfig only, never with a token of the seed.
  pod.spec.automountServiceAccountToken = false;
  pod.spec.enableServiceLinks = false;
  return pod;
}

/** kind's cluster config: one control-plane node and `workers` workers, the kube-proxy mode, the node image. */
export function kindClusterConfig(workers: number, nodeImage: string, kubeProxyMode: 'iptables' | 'ipvs', maxPods: number): string {
  return stringify({
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    networking: { kubeProxyMode },
    // Every node's kubelet (kind patches the KubeletConfiguration document of its kubeadm config on each node);
    // the run's capacity check reads the nodes' allocatable pods that this sets (docs/kind.md#cluster-capacity).
    kubeadmConfigPatches: [stringify({ apiVersion: 'kubelet.config.k8s.io/v1beta1', kind: 'KubeletConfiguration', maxPods })],
    nodes: [{ role: 'control-plane', image: nodeImage }, ...Array.from({ length: workers }, () => ({ role: 'worker', image: nodeImage }))],
  });
}
