// The flags of kube-apiserver per supported minor version, so that every flag the kind target passes is known to
// exist in the version it deploys (checked offline by test/targets/kind). Two parts:
//
// 1. GENERIC: derived mechanically from the upstream source at the release tags `kubernetes-<minor>.0` of
//    kubernetes/apiserver (k8s.io/apiserver, the staging mirror) and kubernetes/component-base, by listing every
//    flag name registered on a pflag FlagSet (`fs.<Type>Var(&x, "name", ...)`, `fs.<Type>("name", ...)`, and the
//    audit backends' `fmt.Sprintf("audit-%s-...", pluginName)` for the log and webhook backends) in the option
//    structs kube-apiserver composes (pkg/controlplane/apiserver/options Options.AddFlags):
//    pkg/server/options/{server_run_options,etcd,serving,audit,feature,admission,api_enablement,egress_selector,
//    tracing}.go, and in authentication.go only RequestHeaderAuthenticationOptions.AddFlags and
//    ClientCertAuthenticationOptions.AddFlags (the Delegating* options are for aggregated servers, not
//    kube-apiserver); component-base metrics/options.go, logs/api/v1/options.go (+ log-flush-frequency),
//    compatibility/registry.go (feature-gates, emulated-version), version/verflag (version), cli/globalflag (help).
//    The per-minor differences are the *_ONLY lists below. How it was run: docs/kind.md#kube-apiserver-flags.
// 2. KUBE_SPECIFIC: the flags registered in kubernetes/kubernetes itself (cmd/kube-apiserver/app/options/options.go,
//    pkg/controlplane/apiserver/options/options.go and pkg/kubeapiserver/options/{authentication,authorization,
//    admission}.go). The whole repository could not be fetched here; these files were read through the code index,
//    whose stored copies are not tied to a release. So this list is not resolved per minor: it holds only long-lived
//    flags that appear in those copies, and is applied to every supported minor (docs/kind.md says so).
export const SUPPORTED_KUBE_MINORS = ['1.33', '1.34', '1.35', '1.36'] as const;
export type SupportedKubeMinor = (typeof SUPPORTED_KUBE_MINORS)[number];

/** Generic flags registered at every supported minor (kubernetes/apiserver + component-base). */
const GENERIC_COMMON = [
  'admission-control-config-file',
  'advertise-address',
  'allow-metric-labels',
  'allow-metric-labels-manifest',
  'audit-log-batch-buffer-size',
  'audit-log-batch-max-size',
  'audit-log-batch-max-wait',
  'audit-log-batch-throttle-burst',
  'audit-log-batch-throttle-enable',
  'audit-log-batch-throttle-qps',
  'audit-log-compress',
  'audit-log-format',
  'audit-log-maxage',
  'audit-log-maxbackup',
  'audit-log-maxsize',
  'audit-log-mode',
  'audit-log-path',
  'audit-log-truncate-enabled',
  'audit-log-truncate-max-batch-size',
  'audit-log-truncate-max-event-size',
  'audit-log-version',
  'audit-policy-file',
  'audit-webhook-batch-buffer-size',
  'audit-webhook-batch-initial-backoff',
  'audit-webhook-batch-max-size',
  'audit-webhook-batch-max-wait',
  'audit-webhook-batch-throttle-burst',
  'audit-webhook-batch-throttle-enable',
  'audit-webhook-batch-throttle-qps',
  'audit-webhook-config-file',
  'audit-webhook-initial-backoff',
  'audit-webhook-mode',
  'audit-webhook-truncate-enabled',
  'audit-webhook-truncate-max-batch-size',
  'audit-webhook-truncate-max-event-size',
  'audit-webhook-version',
  'bind-address',
  'cert-dir',
  'client-ca-file',
  'contention-profiling',
  'cors-allowed-origins',
  'debug-socket-path',
  'default-watch-cache-size',
  'delete-collection-workers',
  'disable-admission-plugins',
  'disable-http2-serving',
  'disabled-metrics',
  'egress-selector-config-file',
  'emulated-version',
  'emulation-forward-compatible',
  'enable-admission-plugins',
  'enable-garbage-collector',
  'enable-priority-and-fairness',
  'encryption-provider-config',
  'encryption-provider-config-automatic-reload',
  'etcd-cafile',
  'etcd-certfile',
  'etcd-compaction-interval',
  'etcd-count-metric-poll-period',
  'etcd-db-metric-poll-interval',
  'etcd-healthcheck-timeout',
  'etcd-keyfile',
  'etcd-prefix',
  'etcd-readycheck-timeout',
  'etcd-servers',
  'etcd-servers-overrides',
  'external-hostname',
  'feature-gates',
  'goaway-chance',
  'help',
  'http2-max-streams-per-connection',
  'lease-reuse-duration-seconds',
  'livez-grace-period',
  'log-flush-frequency',
  'log-json-info-buffer-size',
  'log-json-split-stream',
  'log-text-info-buffer-size',
  'log-text-split-stream',
  'logging-format',
  'max-mutating-requests-inflight',
  'max-requests-inflight',
  'min-request-timeout',
  'permit-address-sharing',
  'permit-port-sharing',
  'profiling',
  'request-timeout',
  'requestheader-allowed-names',
  'requestheader-client-ca-file',
  'requestheader-extra-headers-prefix',
  'requestheader-group-headers',
  'requestheader-uid-headers',
  'requestheader-username-headers',
  'runtime-config',
  'runtime-config-emulation-forward-compatible',
  'secure-port',
  'show-hidden-metrics-for-version',
  'shutdown-delay-duration',
  'shutdown-send-retry-after',
  'shutdown-watch-termination-grace-period',
  'storage-backend',
  'storage-initialization-timeout',
  'storage-media-type',
  'strict-transport-security-directives',
  'tls-cert-file',
  'tls-cipher-suites',
  'tls-min-version',
  'tls-private-key-file',
  'tls-sni-cert-key',
  'tracing-config-file',
  'v',
  'version',
  'vmodule',
  'watch-cache',
  'watch-cache-sizes',
] as const;

/** Generic flags added at a minor (derived the same way); a minor has those of every earlier minor too. */
const GENERIC_SINCE: Record<SupportedKubeMinor, readonly string[]> = {
  '1.33': [],
  '1.34': [],
  '1.35': ['min-compatibility-version'],
  '1.36': ['tls-curve-preferences'],
};

/**
 * kube-apiserver's own flags (part 2 above): authentication (pkg/kubeapiserver/options/authentication.go),
 * authorization (authorization.go), admission (admission.go), the control-plane options (pkg/controlplane/apiserver/
 * options/options.go) and the kube-apiserver command (cmd/kube-apiserver/app/options/options.go).
 */
const KUBE_SPECIFIC = [
  // authentication.go
  'anonymous-auth',
  'api-audiences',
  'authentication-token-webhook-cache-ttl',
  'authentication-token-webhook-config-file',
  'authentication-token-webhook-version',
  'enable-bootstrap-token-auth',
  'oidc-ca-file',
  'oidc-client-id',
  'oidc-groups-claim',
  'oidc-groups-prefix',
  'oidc-issuer-url',
  'oidc-required-claim',
  'oidc-signing-algs',
  'oidc-username-claim',
  'oidc-username-prefix',
  'service-account-issuer',
  'service-account-jwks-uri',
  'service-account-key-file',
  'service-account-lookup',
  'service-account-max-token-expiration',
  'token-auth-file',
  // authorization.go
  'authorization-mode',
  'authorization-policy-file',
  'authorization-webhook-cache-authorized-ttl',
  'authorization-webhook-cache-unauthorized-ttl',
  'authorization-webhook-config-file',
  'authorization-webhook-version',
  // pkg/controlplane/apiserver/options/options.go
  'event-ttl',
  'enable-logs-handler',
  'max-connection-bytes-per-sec',
  'proxy-client-cert-file',
  'proxy-client-key-file',
  'peer-ca-file',
  'peer-advertise-ip',
  'peer-advertise-port',
  'enable-aggregator-routing',
  'aggregator-reject-forwarding-redirect',
  'service-account-signing-key-file',
  // cmd/kube-apiserver/app/options/options.go
  'allow-privileged',
  'apiserver-count',
  'endpoint-reconciler-type',
  'kubernetes-service-node-port',
  'service-cluster-ip-range',
  'service-node-port-range',
  'kubelet-preferred-address-types',
  'kubelet-timeout',
  'kubelet-client-certificate',
  'kubelet-client-key',
  'kubelet-certificate-authority',
] as const;

function flagSet(minor: SupportedKubeMinor): ReadonlySet<string> {
  const since = SUPPORTED_KUBE_MINORS.slice(0, SUPPORTED_KUBE_MINORS.indexOf(minor) + 1).flatMap((m) => GENERIC_SINCE[m]);
  return new Set<string>([...GENERIC_COMMON, ...since, ...KUBE_SPECIFIC]);
}

/** Every kube-apiserver flag name per supported minor. */
export const KUBE_APISERVER_FLAG_SETS: Record<SupportedKubeMinor, ReadonlySet<string>> = Object.fromEntries(
  SUPPORTED_KUBE_MINORS.map((minor) => [minor, flagSet(minor)]),
) as Record<SupportedKubeMinor, ReadonlySet<string>>;

/**
 * Feature gates the target sets, with the minors where they exist (k8s.io/apiserver pkg/features/kube_features.go at
 * the same tags: UnauthenticatedHTTP2DOSMitigation is Beta, default true since 1.29, at every supported minor).
 */
export const KNOWN_FEATURE_GATES: Record<string, readonly SupportedKubeMinor[]> = {
  UnauthenticatedHTTP2DOSMitigation: SUPPORTED_KUBE_MINORS,
};

/** The flag names of `--name=value` / `--name` arguments that `minor` does not have (with a feature-gate check). */
export function unknownKubeApiserverFlags(minor: SupportedKubeMinor, args: readonly string[]): string[] {
  const known = KUBE_APISERVER_FLAG_SETS[minor];
  const problems: string[] = [];
  for (const arg of args) {
    const match = /^--([a-z0-9][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      problems.push(`"${arg}" is not a --flag=value argument`);
      continue;
    }
    const [, name, value] = match;
    if (!known.has(name!)) problems.push(`--${name} does not exist in kube-apiserver ${minor}`);
    if (name === 'feature-gates' && value !== undefined) {
      for (const gate of value.split(',')) {
        const gateName = gate.split('=')[0]!;
        if (!KNOWN_FEATURE_GATES[gateName]?.includes(minor)) problems.push(`feature gate ${gateName} is not known for kube-apiserver ${minor}`);
      }
    }
  }
  return problems;
}
