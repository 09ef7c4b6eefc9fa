// The bootstrap of one gateway pod's Envoy (docs/binary-target-envoy.md#bootstrap): what istio-agent would write from
// Istio's bootstrap template (istio/istio tools/packaging/common/envoy_bootstrap.json, pkg/bootstrap/config.go
// extractRuntimeFlags) with Gardener's proxy config (gardener/gardener pkg/component/networking/istio/charts/istio/
// istio-ingress/templates/deployment.yaml: the overload settings), but with the translated listeners and clusters as
// static resources instead of LDS/CDS over ADS, an admin address on loopback, and no stats matcher (Istio's keeps only
// a few prefixes; the runner reads per-cluster and per-host stats).
import { GATEWAY_DEPLOYMENT } from '../../kind/manifests/istio.ts';
import { socketAddress, TYPE } from './envoyTypes.ts';
import type { JsonObject } from './protoMerge.ts';
import type { GatewayTranslation } from './translate.ts';

export interface BootstrapInput {
  pod: { name: string; ip: string; namespace: string };
  admin: { ip: string; port: number };
  translation: GatewayTranslation;
}

/** Gardener's `overload.global_downstream_max_connections` for the ingress gateway (Istio's own default: 2^31−1). */
export const GLOBAL_DOWNSTREAM_MAX_CONNECTIONS = 750_000;

export function gatewayBootstrap(input: BootstrapInput): JsonObject {
  const { pod } = input;
  return {
    // pilot-agent's node identity for a gateway ("router"); node.id and node.cluster are required by every xDS
    // subscription, the file-based EDS included (envoy source/common/config/utility.cc checkLocalInfo).
    node: {
      id: `router~${pod.ip}~${pod.name}.${pod.namespace}~${pod.namespace}.svc.cluster.local`,
      cluster: `${GATEWAY_DEPLOYMENT}.${pod.namespace}`,
      locality: {},
    },
    admin: { address: socketAddress(input.admin.ip, input.admin.port) },
    static_resources: { listeners: input.translation.listeners, clusters: input.translation.clusters },
    layered_runtime: {
      layers: [
        {
          name: 'global config',
          static_layer: {
            're2.max_program_size.error_level': 32768,
            'envoy.reloadable_features.http_reject_path_with_fragment': false,
            // Gardener: reset-flood protection (CVE-2023-44487) tuned for kube-apiserver watches.
            'overload.premature_reset_total_stream_count': 100,
            'overload.premature_reset_min_stream_lifetime_seconds': 1,
          },
        },
        { name: 'admin', admin_layer: {} },
      ],
    },
    overload_manager: {
      resource_monitors: [
        {
          name: 'envoy.resource_monitors.global_downstream_max_connections',
          typed_config: { '@type': TYPE.downstreamConnections, max_active_downstream_connections: GLOBAL_DOWNSTREAM_MAX_CONNECTIONS },
        },
      ],
    },
  };
}
