// The flags of `--target kind` and `--target cluster` on `scenario` and `gate` (docs/kind.md#running-scenarios): what
// a user with their own cluster and registry needs to run a scenario with flags alone (images, namespace prefix,
// kube-apiserver version, etcd image, gateway namespace, the cluster's kube-proxy mode), and the time scale. Each
// value is checked here (a bad one is a flag error: one line, exit 2); the kind target's options are built from them,
// over what `cluster:up` recorded for a kind cluster (clusterRecord.ts).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { readClusterRecord } from './clusterRecord.ts';
import { DEFAULT_TIME_SCALE } from './clusterTiming.ts';
import { DEFAULT_CLUSTER_NAME, TIME_SCALE_RANGE, type KindTargetOptions } from './options.ts';

export interface KindFlags {
  webhookImage?: string;
  loadClientImage?: string;
  imagePullPolicy?: 'IfNotPresent' | 'Always' | 'Never';
  namespacePrefix?: string;
  kubeApiserverVersion?: string;
  etcdImage?: string;
  gatewayNamespace?: string;
  kubeProxyMode?: 'iptables' | 'ipvs';
  timeScale?: number;
}

/** The flags that only the kind and cluster targets take, as commander names them in opts(). */
export const KIND_FLAG_KEYS: readonly (keyof KindFlags)[] = [
  'webhookImage',
  'loadClientImage',
  'imagePullPolicy',
  'namespacePrefix',
  'kubeApiserverVersion',
  'etcdImage',
  'gatewayNamespace',
  'kubeProxyMode',
  'timeScale',
];

function image(value: string): string {
  if (!value || /\s/.test(value)) throw new InvalidArgumentError('must be an image reference, e.g. registry.example.com/team/name:tag');
  return value;
}

function dnsLabelPrefix(value: string): string {
  if (!/^[a-z0-9][-a-z0-9]*$/.test(value) || value.length > 20)
    throw new InvalidArgumentError('must be up to 20 lowercase letters, digits and "-", starting with a letter or digit');
  return value;
}

function dnsLabel(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > 63) throw new InvalidArgumentError('must be a namespace name (a DNS label)');
  return value;
}

function kubeVersion(value: string): string {
  if (!/^v?\d+\.\d+\.\d+$/.test(value)) throw new InvalidArgumentError('must be a Kubernetes release, e.g. v1.34.10');
  return value.startsWith('v') ? value : `v${value}`;
}

function timeScale(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < TIME_SCALE_RANGE.min || n > TIME_SCALE_RANGE.max)
    throw new InvalidArgumentError(`must be a number from ${TIME_SCALE_RANGE.min} to ${TIME_SCALE_RANGE.max}`);
  return n;
}

export function addKindFlags(command: Command): Command {
  const k = (flags: string, description: string) => new Option(flags, `targets kind and cluster: ${description}`);
  return command
    .addOption(k('--webhook-image <image>', 'the webhook image the cluster pulls (kind: what cluster:up built)').argParser(image))
    .addOption(k('--load-client-image <image>', 'the load-client image the cluster pulls (kind: what cluster:up built)').argParser(image))
    .addOption(k('--image-pull-policy <policy>', 'of the project images (default IfNotPresent)').choices(['IfNotPresent', 'Always', 'Never']))
    .addOption(k('--namespace-prefix <prefix>', 'prepended to the control-plane namespaces, so runs can share a cluster').argParser(dnsLabelPrefix))
    .addOption(k('--kube-apiserver-version <v>', 'registry.k8s.io/kube-apiserver version to deploy (1.33 to 1.36)').argParser(kubeVersion))
    .addOption(k('--etcd-image <image>', "the control planes' etcd image").argParser(image))
    .addOption(k('--gateway-namespace <ns>', "the Istio ingress gateway's namespace (default istio-ingress)").argParser(dnsLabel))
    .addOption(k('--kube-proxy-mode <mode>', "the cluster's kube-proxy mode (kind: what cluster:up configured)").choices(['iptables', 'ipvs']))
    .addOption(k('--time-scale <n>', `every time of the scenario runs n times longer (default ${DEFAULT_TIME_SCALE})`).argParser(timeScale));
}

/** The kind target's options for these flags; a kind cluster's record (cluster:up) fills in what they leave out. */
export function kindFlagOptions(
  flags: KindFlags & { target: 'kind' | 'cluster'; clusterName?: string },
  recordRoot = process.cwd(),
): Partial<KindTargetOptions> {
  const images = flags.webhookImage || flags.loadClientImage ? { webhook: flags.webhookImage, loadClient: flags.loadClientImage } : undefined;
  return {
    ...(images ? { images } : {}),
    imagePullPolicy: flags.imagePullPolicy,
    namespacePrefix: flags.namespacePrefix,
    kubeApiserverVersion: flags.kubeApiserverVersion,
    etcdImage: flags.etcdImage,
    gatewayNamespace: flags.gatewayNamespace,
    kubeProxyMode: flags.kubeProxyMode,
    timeScale: flags.timeScale,
    clusterRecord: flags.target === 'kind' ? readClusterRecord(flags.clusterName ?? DEFAULT_CLUSTER_NAME, recordRoot) : undefined,
  };
}
