// The shoot control plane on the seed cluster (docs/kind.md#the-control-plane-namespace): etcd, N real
// kube-apiserver replicas with the certificates and flags Gardener gives them (docs/gardener.md#kube-apiserver-flags,
// docs/kube-apiserver.md), static tokens for the load clients, and the Services `kube-apiserver` (a seed object of the
// plan) with its `-mtls` and `-connection-upgrade` variants (docs/gardener.md#kube-apiserver-services). Also the
// objects the shoot API itself needs before clients use it (their namespace, RBAC, API Priority and Fairness).
import { createHash } from 'node:crypto';
import { IN_CLUSTER_API_HOST, KUBE_APISERVER_LABELS, KUBE_APISERVER_PORT, KUBE_APISERVER_SERVICE_NAME } from '../../../cluster/gardener.ts';
import { clientCertificateUser, type ClusterPlan } from '../../../cluster/plan.ts';
import { clientGroupOfCertificate } from '../../../cluster/certificates.ts';
import { kubeApiserverImage } from '../versions.ts';
import type { KubeManifest } from '../steps.ts';
import { MANAGED_BY, secretObject, type RenderContext } from './common.ts';
import { ETCD_REQUESTS, KUBE_APISERVER_REQUESTS } from './podResources.ts';

export const ETCD_NAME = 'etcd';
export const ETCD_CLIENT_PORT = 2379;
const ETCD_LABELS = { app: 'etcd', role: 'main' } as const;
/** The shoot's own Service CIDR (Gardener's default services range); never routed, the shoot has no nodes. */
export const SHOOT_SERVICE_CIDR = '100.64.0.0/13';
/** Where Gardener mounts the kube-apiserver's secrets (docs/gardener.md#kube-apiserver-flags). */
const SRV = '/srv/kubernetes';
const MOUNTS = {
  tls: { secret: 'kube-apiserver-tls', dir: `${SRV}/tls` },
  caClient: { secret: 'ca-client', dir: `${SRV}/ca-client` },
  caFrontProxy: { secret: 'ca-front-proxy', dir: `${SRV}/ca-front-proxy` },
  token: { secret: 'kube-apiserver-static-token', dir: `${SRV}/token` },
  serviceAccount: { secret: 'service-account-key', dir: `${SRV}/service-account-key` },
} as const;
/**
 * The probes' and scrapes' user: authenticated, so the default RBAC role system:public-info-viewer lets it read /readyz
 * and /livez, and in system:monitoring (bound to the ClusterRole of that name by default) for /metrics. Its /metrics
 * requests run at APF's global-default level, not exempt, so that the exempt level holds only the replica's own
 * loopback requests and the probes (docs/measurement.md#conservation).
 */
export const PROBE_USER = 'apiserver-lb:probe';
/** What the load clients may do in the shoot: the verbs and resources of the scenario vocabulary (scenarios/vocabulary.ts). */
export const LOAD_CLIENT_CLUSTER_ROLE = 'apiserver-lb:load-client';

/** The user a client group's token authenticates as (the simulator's shoot uses the same, scripts/cluster/plan.ts). */
export function clientGroupUser(group: string): { user: string; groups: string[] } {
  return { user: `system:serviceaccount:kube-system:${group}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system'] };
}

/** --token-auth-file: `token,user,uid,"group1,group2"` per line (k8s.io/apiserver tokenfile). */
export function staticTokenFile(plan: ClusterPlan, probeToken: string): string {
  const lines = [`${plan.tokens.shootAdmin},system:admin,system:admin,"system:masters"`, `${probeToken},${PROBE_USER},${PROBE_USER},"system:monitoring"`];
  for (const group of plan.clientGroups) {
    const { user, groups } = clientGroupUser(group);
    lines.push(`${plan.tokens.clientGroups[group]},${user},${user},"${groups.join(',')}"`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The kube-apiserver command line for a plan. Gardener's settings where it has them (front-proxy request headers,
 * shutdown delay, livez grace period; UnauthenticatedHTTP2DOSMitigation=false while L7 is active), the scenario's
 * where the simulator models the same knob (stream limit, max-inflight, APF on/off, --goaway-chance in goaway mode).
 */
export function kubeApiserverFlags(plan: ClusterPlan): string[] {
  const cp = plan.topology.controlPlane;
  const flags = [
    '--advertise-address=$(POD_IP)',
    '--anonymous-auth=false',
    '--authorization-mode=RBAC',
    `--client-ca-file=${MOUNTS.caClient.dir}/bundle.crt`,
    // No kube-controller-manager in this shoot creates default ServiceAccounts, so pods created by load clients
    // would be refused by the ServiceAccount admission plugin.
    '--disable-admission-plugins=ServiceAccount',
    `--enable-priority-and-fairness=${cp.apf.enabled}`,
    `--etcd-servers=http://${ETCD_NAME}.${plan.namespace}.svc.cluster.local:${ETCD_CLIENT_PORT}`,
    `--external-hostname=${plan.publicHost}`,
    `--http2-max-streams-per-connection=${cp.http2MaxStreamsPerConnection}`,
    '--livez-grace-period=1m',
    `--max-mutating-requests-inflight=${cp.capacity.maxMutatingRequestsInflight}`,
    `--max-requests-inflight=${cp.capacity.maxRequestsInflight}`,
    '--profiling=false',
    `--requestheader-client-ca-file=${MOUNTS.caFrontProxy.dir}/bundle.crt`,
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-username-headers=X-Remote-User',
    `--secure-port=${KUBE_APISERVER_PORT}`,
    `--service-account-issuer=https://${IN_CLUSTER_API_HOST}`,
    `--service-account-key-file=${MOUNTS.serviceAccount.dir}/sa.pub`,
    `--service-account-signing-key-file=${MOUNTS.serviceAccount.dir}/sa.key`,
    `--service-cluster-ip-range=${SHOOT_SERVICE_CIDR}`,
    '--shutdown-delay-duration=15s',
    `--tls-cert-file=${MOUNTS.tls.dir}/tls.crt`,
    `--tls-private-key-file=${MOUNTS.tls.dir}/tls.key`,
    `--token-auth-file=${MOUNTS.token.dir}/static_tokens.csv`,
  ];
  if (plan.mode.useGoawayChance) flags.push(`--goaway-chance=${cp.goawayChance}`);
  if (plan.mode.gatewayMode === 'terminate') flags.push('--feature-gates=UnauthenticatedHTTP2DOSMitigation=false');
  return flags;
}

export function controlPlaneSecrets(ctx: RenderContext): KubeManifest[] {
  const { plan, pems, secrets } = ctx;
  const ns = plan.namespace;
  const serving = pems.keyPair('kube-apiserver');
  return [
    secretObject(ns, MOUNTS.tls.secret, { 'tls.crt': serving.certPem, 'tls.key': serving.keyPem }, { type: 'kubernetes.io/tls' }),
    secretObject(ns, MOUNTS.caClient.secret, { 'bundle.crt': pems.authority('ca-client') }),
    secretObject(ns, MOUNTS.caFrontProxy.secret, { 'bundle.crt': pems.authority('ca-front-proxy') }),
    secretObject(ns, MOUNTS.token.secret, { 'static_tokens.csv': staticTokenFile(plan, secrets.probeToken) }),
    secretObject(ns, MOUNTS.serviceAccount.secret, { 'sa.key': secrets.serviceAccountKeyPem, 'sa.pub': secrets.serviceAccountPublicKeyPem }),
  ];
}

/** One etcd member with an emptyDir, plain HTTP inside the namespace (Gardener runs etcd-druid with TLS: docs/kind.md). */
export function etcdObjects(ctx: RenderContext): KubeManifest[] {
  const ns = ctx.plan.namespace;
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: ETCD_NAME, namespace: ns, labels: { ...MANAGED_BY, ...ETCD_LABELS } },
      spec: {
        type: 'ClusterIP',
        selector: { ...ETCD_LABELS },
        ports: [{ name: 'client', port: ETCD_CLIENT_PORT, targetPort: ETCD_CLIENT_PORT, protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: ETCD_NAME, namespace: ns, labels: { ...MANAGED_BY, ...ETCD_LABELS } },
      spec: {
        replicas: 1,
        strategy: { type: 'Recreate' },
        selector: { matchLabels: { ...ETCD_LABELS } },
        template: {
          metadata: { labels: { ...ETCD_LABELS } },
          spec: {
            automountServiceAccountToken: false,
            containers: [
              {
                name: 'etcd',
                image: ctx.options.etcdImage,
                command: [
                  'etcd',
                  '--name=etcd',
                  '--data-dir=/var/lib/etcd',
                  `--listen-client-urls=http://0.0.0.0:${ETCD_CLIENT_PORT}`,
                  `--advertise-client-urls=http://${ETCD_NAME}.${ns}.svc.cluster.local:${ETCD_CLIENT_PORT}`,
                  '--listen-peer-urls=http://127.0.0.1:2380',
                  '--initial-advertise-peer-urls=http://127.0.0.1:2380',
                  '--initial-cluster=etcd=http://127.0.0.1:2380',
                  '--quota-backend-bytes=2147483648',
                ],
                ports: [{ name: 'client', containerPort: ETCD_CLIENT_PORT, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/health', port: ETCD_CLIENT_PORT }, periodSeconds: 2 },
                resources: { requests: { ...ETCD_REQUESTS } },
                volumeMounts: [{ name: 'data', mountPath: '/var/lib/etcd' }],
              },
            ],
            volumes: [{ name: 'data', emptyDir: {} }],
          },
        },
      },
    },
  ];
}

/** The kube-apiserver Deployment: Gardener's labels (the Services' selector), one container, probes with a static token. */
export function kubeApiserverDeployment(ctx: RenderContext): KubeManifest {
  const { plan, options, secrets } = ctx;
  const cp = plan.topology.controlPlane;
  // A new certificate or token file must restart the replicas (they read their files once at start).
  const checksum = createHash('sha256')
    .update(JSON.stringify(controlPlaneSecrets(ctx).map((s) => s.data)))
    .digest('hex')
    .slice(0, 16);
  const probeHeaders = [{ name: 'Authorization', value: `Bearer ${secrets.probeToken}` }];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: KUBE_APISERVER_SERVICE_NAME, namespace: plan.namespace, labels: { ...MANAGED_BY, ...KUBE_APISERVER_LABELS } },
    spec: {
      replicas: cp.replicas,
      selector: { matchLabels: { ...KUBE_APISERVER_LABELS } },
      // A rollout replaces one replica at a time, each ready before the next (the timeline's rolling-restart, scenarios/events.ts).
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { ...KUBE_APISERVER_LABELS }, annotations: { 'checksum/secrets': checksum } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // kube-apiserver's --shutdown-delay-duration (15 s) plus time to drain with GOAWAY.
          terminationGracePeriodSeconds: 30,
          containers: [
            {
              name: 'kube-apiserver',
              image: kubeApiserverImage(options.kubeApiserverVersion),
              imagePullPolicy: 'IfNotPresent',
              command: ['kube-apiserver'],
              args: kubeApiserverFlags(plan),
              env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
              ports: [{ name: 'https', containerPort: KUBE_APISERVER_PORT, protocol: 'TCP' }],
              readinessProbe: {
                httpGet: { path: '/readyz', port: KUBE_APISERVER_PORT, scheme: 'HTTPS', httpHeaders: probeHeaders },
                periodSeconds: 2,
                failureThreshold: 3,
              },
              livenessProbe: {
                httpGet: { path: '/livez', port: KUBE_APISERVER_PORT, scheme: 'HTTPS', httpHeaders: probeHeaders },
                initialDelaySeconds: 15,
                periodSeconds: 10,
                failureThreshold: 3,
              },
              resources: { requests: { ...KUBE_APISERVER_REQUESTS } },
              volumeMounts: Object.values(MOUNTS).map((m) => ({ name: m.secret, mountPath: m.dir, readOnly: true })),
            },
          ],
          volumes: Object.values(MOUNTS).map((m) => ({ name: m.secret, secret: { secretName: m.secret, defaultMode: 0o400 } })),
        },
      },
    },
  };
}

/**
 * The `-mtls` and `-connection-upgrade` variants of the kube-apiserver Service, which exist while L7 is active
 * (docs/gardener.md#kube-apiserver-services): the same selector and port as `kube-apiserver` (a seed object).
 */
export function kubeApiserverServiceVariants(kubeApiserverService: KubeManifest): KubeManifest[] {
  return ['-mtls', '-connection-upgrade'].map((suffix) => ({
    ...kubeApiserverService,
    metadata: { ...kubeApiserverService.metadata, name: `${KUBE_APISERVER_SERVICE_NAME}${suffix}` },
  }));
}

/**
 * Objects created in the shoot API before clients use it: the namespace the clients work in (the shoot has no
 * namespace controller to create it), RBAC for the load clients' users, and the scenario's APF objects.
 */
export function shootBootstrapObjects(plan: ClusterPlan): KubeManifest[] {
  const objects: KubeManifest[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: plan.namespace } }];
  if (plan.clientGroups.length > 0) {
    objects.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: LOAD_CLIENT_CLUSTER_ROLE },
        rules: [
          {
            apiGroups: [''],
            resources: ['configmaps', 'secrets', 'pods', 'services', 'events'],
            verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'],
          },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        ],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: LOAD_CLIENT_CLUSTER_ROLE },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: LOAD_CLIENT_CLUSTER_ROLE },
        // Token users, and the users of the client-certificate groups (CN client:<group>, scripts/cluster/plan.ts).
        subjects: [
          ...plan.clientGroups.map((g) => clientGroupUser(g).user),
          ...plan.certificates.certificates.flatMap((c) => {
            const group = clientGroupOfCertificate(c.id);
            return group === undefined ? [] : [clientCertificateUser(group)];
          }),
        ].map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name })),
      },
    );
  }
  const apf = plan.topology.controlPlane.apf;
  for (const [kind, list] of [
    ['PriorityLevelConfiguration', apf.priorityLevels],
    ['FlowSchema', apf.flowSchemas],
  ] as const) {
    for (const raw of list) {
      objects.push({ apiVersion: 'flowcontrol.apiserver.k8s.io/v1', kind, ...(raw as object) } as KubeManifest);
    }
  }
  return objects;
}
