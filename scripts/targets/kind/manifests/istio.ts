// Istio for the kind target (docs/kind.md#istio): the Helm values of base, istiod and the ingress gateway (Gardener's
// labels, the internal port 443 → 9443), the gateway-wide EnvoyFilters, and per control plane Gardener's Istio objects
// as docs/gardener.md#istio-objects describes them: the TLS-termination Gateway (OPTIONAL_MUTUAL), its VirtualService,
// the three DestinationRules with LEAST_REQUEST, useClientProtocol, maxConnectionDuration 86400s, TCP keepalive
// 7200s/75s and no outlier detection, the identity hand-off EnvoyFilter to the mTLS path, and the TLS secrets; in
// passthrough mode the L4 Gateway (PASSTHROUGH), its TLS route and the locality DestinationRule instead.
import { GATEWAY_LABELS, IN_CLUSTER_API_HOST, KUBE_APISERVER_PORT, KUBE_APISERVER_SERVICE_NAME } from '../../../cluster/gardener.ts';
import type { ClusterPlan } from '../../../cluster/plan.ts';
import { GATEWAY_TARGET_PORT } from '../../../../webhook/constants.ts';
import type { KubeManifest } from '../steps.ts';
import { CONTROL_PLANE_LABEL, MANAGED_BY, secretObject, type RenderContext } from './common.ts';
import { GATEWAY_REQUESTS } from './podResources.ts';

/** The gateway's Helm release and Deployment name (Gardener's istio-ingress chart names it the same). */
export const GATEWAY_DEPLOYMENT = 'istio-ingressgateway';
/** The Envoy readiness port (status-port) the gateway chart probes. */
export const GATEWAY_STATUS_PORT = 15021;
/** sni.go: the dynamic-metadata key the Lua filter sets for client-certificate connections. */
export const AUTHENTICATION_DYNAMIC_METADATA_KEY = 'authenticated-kube-apiserver-host';
const CONNECTION_UPGRADE_ROUTE = 'connection-upgrade';

/**
 * Values for Istio's `gateway` Helm chart: Gardener's gateway labels (app: istio-ingressgateway, istio: ingressgateway;
 * docs/gardener.md#internal-gateway-service), a ClusterIP Service whose `tcp` port 443 targets the Envoy listener on
 * 9443 (Istio binds a Gateway server's port to the Service's target port), a fixed replica count (no HPA: the
 * scenario sets the pods), and the Envoy worker count.
 */
export function gatewayHelmValues(replicas: number, concurrency: number): Record<string, unknown> {
  return {
    name: GATEWAY_DEPLOYMENT,
    labels: { ...GATEWAY_LABELS },
    replicaCount: replicas,
    autoscaling: { enabled: false },
    resources: { requests: { ...GATEWAY_REQUESTS } },
    podAnnotations: { 'proxy.istio.io/config': JSON.stringify({ concurrency }) },
    service: {
      type: 'ClusterIP',
      ports: [
        { name: 'status-port', port: GATEWAY_STATUS_PORT, targetPort: GATEWAY_STATUS_PORT, protocol: 'TCP' },
        { name: 'tcp', port: 443, targetPort: GATEWAY_TARGET_PORT, protocol: 'TCP' },
      ],
    },
  };
}

/**
 * The refusal of a scenario whose gateway picks among more or fewer than 2 hosts: the kind and binary targets configure
 * Envoy from a DestinationRule, whose LEAST_REQUEST has no choice_count field (Envoy's default of 2 applies).
 */
export function choiceCountProblem(gateway: { choiceCount: number }): string | undefined {
  if (gateway.choiceCount === 2) return undefined;
  return `topology.gateway.choiceCount ${gateway.choiceCount}: an Istio DestinationRule cannot set it; Envoy's default of 2 applies`;
}

export function istiodHelmValues(): Record<string, unknown> {
  // Gateways only: no sidecars are injected into control-plane pods (Gardener's seed does not inject them either).
  return { sidecarInjectorWebhook: { enableNamespacesByDefault: false }, global: { proxy: { autoInject: 'disabled' } } };
}

/**
 * Lua of Gardener's `apiserver-tls-termination` filter (behaviour in docs/gardener.md#envoyfilters): drop the
 * front-proxy headers; for a connection with a client certificate mark the request with the connection's SNI, refuse an
 * empty CN with 400, and set X-Remote-User / X-Remote-Group from CN and O; set 1-day upstream timeouts.
 */
export const TLS_TERMINATION_LUA = `function envoy_on_request(request_handle)
  local headers = request_handle:headers()
  headers:remove("X-Remote-User")
  headers:remove("X-Remote-Group")
  local info = request_handle:streamInfo()
  local subject = info:downstreamSslConnection():parsedSubjectPeerCertificate()
  if subject then
    info:dynamicMetadata():set("envoy.filters.http.lua", "${AUTHENTICATION_DYNAMIC_METADATA_KEY}", info:requestedServerName())
    local user = subject:commonName()
    if user == "" then
      request_handle:respond({[":status"] = "400"}, "Invalid certificate subject")
    end
    headers:add("X-Remote-User", user)
    for _, group in ipairs(subject:organizationName()) do
      if group ~= "" then
        headers:add("X-Remote-Group", group)
      end
    end
  end
  headers:add("x-envoy-upstream-rq-timeout-ms", "86400000")
  headers:add("x-envoy-upstream-rq-per-try-timeout-ms", "86400000")
end
`;

/**
 * Lua of Gardener's `misdirected-requests` filter (docs/gardener.md#envoyfilters): when the client sent an SNI and it
 * names another host than :authority (a ":443" suffix on :authority is allowed; a wildcard SNI matches by suffix),
 * answer 421 so the client opens a new connection (Envoy does not handle HTTP/2 connection coalescing).
 */
export const MISDIRECTED_REQUESTS_LUA = `function envoy_on_request(request_handle)
  local sni = request_handle:streamInfo():requestedServerName()
  if sni == "" then
    return
  end
  local authority = request_handle:headers():get(":authority") or ""
  if string.sub(authority, -4) == ":443" then
    authority = string.sub(authority, 1, -5)
  end
  local misdirected
  if string.sub(sni, 1, 2) == "*." then
    misdirected = not string.find(authority, string.sub(sni, 2), 1, true)
  else
    misdirected = sni ~= authority
  end
  if misdirected then
    request_handle:respond({[":status"] = "421"}, "Misdirected Request")
  end
end
`;

function luaFilter(name: string, namespace: string, code: string, workloadSelector: boolean): KubeManifest {
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name, namespace, labels: { ...MANAGED_BY } },
    spec: {
      ...(workloadSelector ? { workloadSelector: { labels: { ...GATEWAY_LABELS } } } : {}),
      configPatches: [
        {
          applyTo: 'HTTP_FILTER',
          match: {
            context: 'GATEWAY',
            listener: {
              portNumber: GATEWAY_TARGET_PORT,
              filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } },
            },
          },
          patch: {
            operation: 'INSERT_BEFORE',
            value: {
              name: `envoy.filters.http.lua.${name}`,
              typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua', defaultSourceCode: { inlineString: code } },
            },
          },
        },
      ],
    },
  };
}

/**
 * Gateway-wide objects in the istio namespace: the two Lua filters and the HTTP/2 settings of Gardener's
 * `istio-ingressgateway` EnvoyFilter (docs/gardener.md#gateway-http2-settings) with the scenario's stream limit.
 */
export function gatewayWideObjects(istioNamespace: string, maxConcurrentStreams: number): KubeManifest[] {
  return [
    luaFilter('apiserver-tls-termination', istioNamespace, TLS_TERMINATION_LUA, true),
    luaFilter('misdirected-requests', istioNamespace, MISDIRECTED_REQUESTS_LUA, false),
    {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: { name: GATEWAY_DEPLOYMENT, namespace: istioNamespace, labels: { ...MANAGED_BY } },
      spec: {
        workloadSelector: { labels: { ...GATEWAY_LABELS } },
        configPatches: [
          {
            applyTo: 'NETWORK_FILTER',
            match: { context: 'GATEWAY', listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } } },
            patch: {
              operation: 'MERGE',
              value: {
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                  http2_protocol_options: {
                    max_concurrent_streams: maxConcurrentStreams,
                    initial_stream_window_size: 65536,
                    initial_connection_window_size: 1048576,
                  },
                },
              },
            },
          },
          {
            applyTo: 'LISTENER',
            match: { context: 'GATEWAY', listener: { portNumber: GATEWAY_TARGET_PORT } },
            patch: {
              operation: 'MERGE',
              value: {
                per_connection_buffer_limit_bytes: 32768,
                socket_options: [
                  { level: 1, name: 9, int_value: 1, state: 'STATE_LISTENING' },
                  { level: 6, name: 4, int_value: 55, state: 'STATE_LISTENING' },
                  { level: 6, name: 5, int_value: 55, state: 'STATE_LISTENING' },
                ],
              },
            },
          },
        ],
      },
    },
  ];
}

const serviceHost = (plan: ClusterPlan, suffix = '') => `${KUBE_APISERVER_SERVICE_NAME}${suffix}.${plan.namespace}.svc.cluster.local`;
export const tlsSecretName = (plan: ClusterPlan) => `${plan.namespace}-kube-apiserver-tls`;
export const mtlsSecretName = (plan: ClusterPlan) => `${plan.namespace}-kube-apiserver-istio-mtls`;

/** The DestinationRule `trafficPolicy` of L7 mode (DestinationRuleWithTLSTermination) with the scenario's lbPolicy. */
export function tlsTerminationTrafficPolicy(plan: ClusterPlan, tlsMode: 'SIMPLE' | 'MUTUAL'): Record<string, unknown> {
  return {
    loadBalancer: { simple: plan.topology.gateway.lbPolicy },
    // No outlierDetection: "OutlierDetection must be nil that simple load balancing policy takes effect".
    connectionPool: { tcp: { maxConnectionDuration: '86400s', tcpKeepalive: { time: '7200s', interval: '75s' } }, http: { useClientProtocol: true } },
    tls: { mode: tlsMode, credentialName: mtlsSecretName(plan), sni: IN_CLUSTER_API_HOST },
  };
}

/** The per-control-plane Istio objects of the plan's mode (none in direct and goaway: no client traffic uses the gateway). */
export function controlPlaneIstioObjects(ctx: RenderContext): KubeManifest[] {
  const mode = ctx.plan.mode.gatewayMode;
  if (!mode) return [];
  return mode === 'passthrough' ? passthroughObjects(ctx.plan) : tlsTerminationObjects(ctx);
}

const gatewayMetaOf = (plan: ClusterPlan) => ({ name: KUBE_APISERVER_SERVICE_NAME, namespace: plan.namespace, labels: { ...MANAGED_BY } });

/** Gardener's L4 exposure: GatewayWithTLSPassthrough, VirtualServiceWithSNIMatch, DestinationRuleWithLocalityPreference. */
function passthroughObjects(plan: ClusterPlan): KubeManifest[] {
  const istioNs = plan.istioNamespace;
  const gatewayMeta = gatewayMetaOf(plan);
  const hosts = [plan.publicHost];
  const loadBalancer: Record<string, unknown> = { localityLbSetting: { enabled: true, failoverPriority: ['topology.kubernetes.io/zone'] } };
  if (plan.topology.gateway.lbPolicy !== 'LEAST_REQUEST') loadBalancer.simple = plan.topology.gateway.lbPolicy;
  return [
    {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: gatewayMeta,
      spec: { selector: { ...GATEWAY_LABELS }, servers: [{ hosts, port: { number: 443, name: 'tls', protocol: 'TLS' }, tls: { mode: 'PASSTHROUGH' } }] },
    },
    {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: gatewayMeta,
      spec: {
        exportTo: [istioNs],
        hosts,
        gateways: [KUBE_APISERVER_SERVICE_NAME],
        tls: [{ match: [{ port: 443, sniHosts: hosts }], route: [{ destination: { host: serviceHost(plan), port: { number: KUBE_APISERVER_PORT } } }] }],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'DestinationRule',
      metadata: gatewayMeta,
      spec: {
        exportTo: [istioNs],
        host: serviceHost(plan),
        trafficPolicy: {
          connectionPool: { tcp: { maxConnectionDuration: '86400s', tcpKeepalive: { time: '7200s', interval: '75s' } } },
          loadBalancer,
          // "OutlierDetection is required for locality settings to take effect."
          outlierDetection: { minHealthPercent: 0 },
          tls: { mode: 'DISABLE' },
        },
      },
    },
  ];
}

/** L7: the TLS secrets, the OPTIONAL_MUTUAL Gateway, its VirtualService, three DestinationRules, the hand-off EnvoyFilter. */
function tlsTerminationObjects(ctx: RenderContext): KubeManifest[] {
  const { plan, pems } = ctx;
  const ns = plan.namespace;
  const istioNs = plan.istioNamespace;
  const cpLabels = { ...MANAGED_BY, [CONTROL_PLANE_LABEL]: ns };
  const gatewayMeta = gatewayMetaOf(plan);
  const hosts = [plan.publicHost];
  const serving = pems.keyPair('kube-apiserver');
  const gatewayClient = pems.keyPair('istio-gateway-client');
  const destinationRule = (suffix: string, tlsMode: 'SIMPLE' | 'MUTUAL'): KubeManifest => ({
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'DestinationRule',
    metadata: { ...gatewayMeta, name: `${KUBE_APISERVER_SERVICE_NAME}${suffix}` },
    spec: { exportTo: [istioNs], host: serviceHost(plan, suffix), trafficPolicy: tlsTerminationTrafficPolicy(plan, tlsMode) },
  });
  return [
    // sni.go reconcileIstioTLSSecrets: the gateway presents the apiserver's serving certificate and verifies client
    // certificates against ca-client; upstream it verifies with the cluster CA and presents the front-proxy client cert.
    secretObject(istioNs, tlsSecretName(plan), { cert: serving.certPem, key: serving.keyPem, cacert: pems.authority('ca-client') }, { labels: cpLabels }),
    secretObject(istioNs, mtlsSecretName(plan), { cert: gatewayClient.certPem, key: gatewayClient.keyPem, cacert: pems.authority('ca') }, { labels: cpLabels }),
    {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'Gateway',
      metadata: gatewayMeta,
      spec: {
        selector: { ...GATEWAY_LABELS },
        servers: [{ hosts, port: { number: 443, name: 'tls', protocol: 'HTTPS' }, tls: { mode: 'OPTIONAL_MUTUAL', credentialName: tlsSecretName(plan) } }],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'VirtualService',
      metadata: gatewayMeta,
      spec: {
        exportTo: [istioNs],
        hosts,
        gateways: [KUBE_APISERVER_SERVICE_NAME],
        http: [
          {
            name: CONNECTION_UPGRADE_ROUTE,
            match: [{ headers: { Connection: { exact: 'Upgrade' }, Upgrade: {} } }],
            route: [{ destination: { host: serviceHost(plan, '-connection-upgrade'), port: { number: KUBE_APISERVER_PORT } } }],
          },
          { route: [{ destination: { host: serviceHost(plan), port: { number: KUBE_APISERVER_PORT } } }] },
        ],
      },
    },
    destinationRule('', 'SIMPLE'),
    destinationRule('-mtls', 'MUTUAL'),
    destinationRule('-connection-upgrade', 'SIMPLE'),
    tlsTerminationEnvoyFilter(plan),
  ];
}

/**
 * envoyfilter-istio-tls-termination.yaml: requests marked by the Lua filter go to the mTLS cluster (front-proxy
 * identity); upgrades get HTTP/1.1 upstream and spdy/websocket upgrade configs.
 */
function tlsTerminationEnvoyFilter(plan: ClusterPlan): KubeManifest {
  const ns = plan.namespace;
  const istioNs = plan.istioNamespace;
  const cpLabels = { ...MANAGED_BY, [CONTROL_PLANE_LABEL]: ns };
  const hosts = [plan.publicHost];
  const routeConfiguration = `https.443.tls.${KUBE_APISERVER_SERVICE_NAME}.${ns}`;
  return {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'EnvoyFilter',
    metadata: { name: `${ns}-istio-tls-termination`, namespace: istioNs, labels: cpLabels },
    spec: {
      workloadSelector: { labels: { ...GATEWAY_LABELS } },
      configPatches: [
        ...hosts.map((host) => ({
          applyTo: 'HTTP_ROUTE',
          match: { context: 'GATEWAY', routeConfiguration: { name: routeConfiguration } },
          patch: {
            operation: 'INSERT_BEFORE',
            value: {
              match: {
                prefix: '/',
                dynamic_metadata: [
                  { filter: 'envoy.filters.http.lua', path: [{ key: AUTHENTICATION_DYNAMIC_METADATA_KEY }], value: { string_match: { exact: host } } },
                ],
              },
              route: { cluster: `outbound|${KUBE_APISERVER_PORT}||${serviceHost(plan, '-mtls')}` },
            },
          },
        })),
        {
          // context ANY, as Gardener's template has it (pkg/component/kubernetes/apiserverexposure/templates/
          // envoyfilter-istio-tls-termination.yaml); its HTTP_ROUTE patches say GATEWAY.
          applyTo: 'CLUSTER',
          match: { context: 'ANY', cluster: { name: `outbound|${KUBE_APISERVER_PORT}||${serviceHost(plan, '-connection-upgrade')}` } },
          patch: {
            operation: 'MERGE',
            value: {
              transportSocket: {
                name: 'envoy.transport_sockets.tls',
                typedConfig: {
                  '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
                  commonTlsContext: { alpnProtocols: ['http/1.1'] },
                },
              },
            },
          },
        },
        {
          applyTo: 'HTTP_ROUTE',
          match: { context: 'GATEWAY', routeConfiguration: { name: routeConfiguration, vhost: { route: { name: CONNECTION_UPGRADE_ROUTE } } } },
          patch: { operation: 'MERGE', value: { route: { upgrade_configs: [{ upgrade_type: 'spdy/3.1' }, { upgrade_type: 'websocket' }] } } },
        },
      ],
    },
  };
}
