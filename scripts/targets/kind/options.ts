// The options of the kind target and of `npm run cluster:up|down` (docs/kind.md#options), and their defaults.
// `--target kind` drives a cluster that `cluster:up` created; `--target cluster` drives any existing cluster through
// a kubeconfig (then the project's images must be pullable by its nodes, and the cluster must have Istio).
import type { ClusterRecord } from './clusterRecord.ts';
import { DEFAULT_TIME_SCALE } from './clusterTiming.ts';
import type { ToolRunner } from './tools.ts';
import { DEFAULT_IMAGES, DEFAULT_KUBE_APISERVER_VERSION, ETCD_IMAGE, ISTIO_VERSION, KIND_NODE_IMAGE } from './versions.ts';

export interface KindTargetOptions {
  /** `kind` (a cluster made by `npm run cluster:up`, the default) or `cluster` (any cluster, through `kubeconfig`). */
  target?: 'kind' | 'cluster';
  /** The kind cluster's name (kind target; default `apiserver-lb`). */
  clusterName?: string;
  /** kubeconfig of the seed cluster (default: kubectl's own, i.e. $KUBECONFIG or ~/.kube/config). */
  kubeconfig?: string;
  /** kubeconfig context (kind target default: `kind-<clusterName>`). */
  context?: string;
  /** Prepended to the scenario's control-plane namespace, so that several runs can share one cluster (default none). */
  namespacePrefix?: string;
  /** registry.k8s.io/kube-apiserver version of the shoot replicas (default DEFAULT_KUBE_APISERVER_VERSION). */
  kubeApiserverVersion?: string;
  etcdImage?: string;
  /** The project's images; kind loads them into its nodes, another cluster must be able to pull them. */
  images?: { webhook?: string; loadClient?: string };
  imagePullPolicy?: 'IfNotPresent' | 'Always' | 'Never';
  /** The kube-proxy mode the cluster runs (kind: what cluster:up configured); a scenario asking for another is refused. */
  kubeProxyMode?: 'iptables' | 'ipvs';
  /** The namespace of the ingress gateway that cluster:up installed (default istio-ingress). */
  gatewayNamespace?: string;
  /** Where rendered files are kept during a run (default `.kind/<cluster name>/run`). */
  workDir?: string;
  /** How long a replica, gateway pod or client pod may take to become ready (ms, default 180 s). */
  readyTimeoutMs?: number;
  /**
   * Every time of a scenario (load phase, event times) runs this many times longer here (default DEFAULT_TIME_SCALE):
   * a real cluster needs seconds where the simulator needs milliseconds (clusterTiming.ts, docs/kind.md#time-scale).
   */
  timeScale?: number;
  /** Progress lines (every CLI call as it starts). */
  log?: (line: string) => void;
  /** The CLI runner (default: execa on $PATH); tests inject one. */
  runner?: ToolRunner;
  /**
   * What `cluster:up` recorded for this kind cluster (clusterRecord.ts): the defaults of the options above that it
   * configured (kube-apiserver version, etcd image, kube-proxy mode, images, gateway namespace). Kind target only.
   */
  clusterRecord?: ClusterRecord;
}

export interface ClusterUpOptions {
  clusterName?: string;
  /** Worker nodes besides the control-plane node (default 2). */
  workers?: number;
  /** The kubelet's maxPods on every node (default 110, the kubelet's own; docs/kind.md#cluster-capacity). */
  maxPods?: number;
  nodeImage?: string;
  kubeProxyMode?: 'iptables' | 'ipvs';
  istioVersion?: string;
  /** Which installs Istio; default: helm when present, else istioctl. */
  istioInstaller?: 'helm' | 'istioctl';
  kubeApiserverVersion?: string;
  etcdImage?: string;
  images?: { webhook?: string; loadClient?: string };
  gatewayNamespace?: string;
  /** The repository root (the docker build context), default the current directory. */
  repoRoot?: string;
}

export interface ResolvedKindOptions {
  target: 'kind' | 'cluster';
  clusterName: string;
  kubeconfig?: string;
  context?: string;
  namespacePrefix: string;
  kubeApiserverVersion: string;
  etcdImage: string;
  images: { webhook: string; loadClient: string };
  imagePullPolicy: 'IfNotPresent' | 'Always' | 'Never';
  kubeProxyMode?: 'iptables' | 'ipvs';
  gatewayNamespace: string;
  workDir: string;
  readyTimeoutMs: number;
  timeScale: number;
}

export const DEFAULT_CLUSTER_NAME = 'apiserver-lb';
/** Where cluster:up installs the ingress gateway (Gardener's istio-ingress namespace). */
export const DEFAULT_GATEWAY_NAMESPACE = 'istio-ingress';

export function resolveKindOptions(options: KindTargetOptions = {}): ResolvedKindOptions {
  const target = options.target ?? 'kind';
  const clusterName = options.clusterName ?? DEFAULT_CLUSTER_NAME;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(clusterName) || clusterName.length > 40)
    throw new Error(`cluster name "${clusterName}" must be a DNS label of at most 40 characters`);
  const prefix = options.namespacePrefix ?? '';
  if (prefix && !/^[a-z0-9][-a-z0-9]*$/.test(prefix)) throw new Error(`namespace prefix "${prefix}" must be lowercase letters, digits and "-"`);
  const record = target === 'kind' ? options.clusterRecord : undefined;
  return {
    target,
    clusterName,
    kubeconfig: options.kubeconfig,
    context: options.context ?? (target === 'kind' ? `kind-${clusterName}` : undefined),
    namespacePrefix: prefix,
    kubeApiserverVersion: options.kubeApiserverVersion ?? record?.kubeApiserverVersion ?? DEFAULT_KUBE_APISERVER_VERSION,
    etcdImage: options.etcdImage ?? record?.etcdImage ?? ETCD_IMAGE,
    images: {
      webhook: options.images?.webhook ?? record?.images.webhook ?? DEFAULT_IMAGES.webhook,
      loadClient: options.images?.loadClient ?? record?.images.loadClient ?? DEFAULT_IMAGES.loadClient,
    },
    imagePullPolicy: options.imagePullPolicy ?? 'IfNotPresent',
    kubeProxyMode: options.kubeProxyMode ?? record?.kubeProxyMode ?? (target === 'kind' ? 'iptables' : undefined),
    gatewayNamespace: options.gatewayNamespace ?? record?.gatewayNamespace ?? DEFAULT_GATEWAY_NAMESPACE,
    workDir: options.workDir ?? `.kind/${clusterName}/run`,
    readyTimeoutMs: options.readyTimeoutMs ?? 180_000,
    timeScale: checkedTimeScale(options.timeScale ?? DEFAULT_TIME_SCALE),
  };
}

/** The range --time-scale accepts: a real cluster is never faster than the simulator, and 100 turns 10 s into 17 min. */
export const TIME_SCALE_RANGE = { min: 1, max: 100 } as const;

function checkedTimeScale(value: number): number {
  if (!Number.isFinite(value) || value < TIME_SCALE_RANGE.min || value > TIME_SCALE_RANGE.max)
    throw new Error(`time scale must be a number from ${TIME_SCALE_RANGE.min} to ${TIME_SCALE_RANGE.max}, got ${value}`);
  return value;
}

/** The kubelet's default maxPods (KubeletConfiguration, pkg/kubelet/apis/config/v1beta1/defaults.go). */
export const KUBELET_DEFAULT_MAX_PODS = 110;
/**
 * What cluster:up --max-pods accepts: kind gives each node a /24 of its pod subnet (kube-controller-manager's
 * --node-cidr-mask-size 24 over kind's 10.244.0.0/16), 254 addresses, so more than 250 pods a node cannot get an IP.
 */
export const MAX_PODS_RANGE = { min: 10, max: 250 } as const;
/** cluster:up's worker nodes by default. */
export const DEFAULT_WORKERS = 2;
/** What cluster:up --workers accepts (every node is a container on this machine). */
export const WORKERS_RANGE = { min: 0, max: 10 } as const;

export interface ResolvedClusterUpOptions {
  clusterName: string;
  workers: number;
  maxPods: number;
  nodeImage: string;
  kubeProxyMode: 'iptables' | 'ipvs';
  istioVersion: string;
  istioInstaller?: 'helm' | 'istioctl';
  kubeApiserverVersion: string;
  etcdImage: string;
  images: { webhook: string; loadClient: string };
  gatewayNamespace: string;
  repoRoot: string;
}

export function resolveClusterUpOptions(options: ClusterUpOptions = {}): ResolvedClusterUpOptions {
  const workers = options.workers ?? DEFAULT_WORKERS;
  if (!Number.isInteger(workers) || workers < WORKERS_RANGE.min || workers > WORKERS_RANGE.max)
    throw new Error(`workers must be an integer from ${WORKERS_RANGE.min} to ${WORKERS_RANGE.max}, got ${workers}`);
  const maxPods = options.maxPods ?? KUBELET_DEFAULT_MAX_PODS;
  if (!Number.isInteger(maxPods) || maxPods < MAX_PODS_RANGE.min || maxPods > MAX_PODS_RANGE.max)
    throw new Error(`max pods must be an integer from ${MAX_PODS_RANGE.min} to ${MAX_PODS_RANGE.max}, got ${maxPods}`);
  const clusterName = resolveKindOptions({ clusterName: options.clusterName }).clusterName;
  return {
    clusterName,
    workers,
    maxPods,
    nodeImage: options.nodeImage ?? KIND_NODE_IMAGE,
    kubeProxyMode: options.kubeProxyMode ?? 'iptables',
    istioVersion: options.istioVersion ?? ISTIO_VERSION,
    istioInstaller: options.istioInstaller,
    kubeApiserverVersion: options.kubeApiserverVersion ?? DEFAULT_KUBE_APISERVER_VERSION,
    etcdImage: options.etcdImage ?? ETCD_IMAGE,
    images: { webhook: options.images?.webhook ?? DEFAULT_IMAGES.webhook, loadClient: options.images?.loadClient ?? DEFAULT_IMAGES.loadClient },
    gatewayNamespace: options.gatewayNamespace ?? DEFAULT_GATEWAY_NAMESPACE,
    repoRoot: options.repoRoot ?? '.',
  };
}
