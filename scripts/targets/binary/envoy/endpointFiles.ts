// Endpoints of the gateway's clusters at run time, through Envoy's file-based dynamic configuration instead of
// istiod's EDS over ADS (docs/binary-target-envoy.md#endpoints-at-run-time): each cluster reads one file, a
// DiscoveryResponse holding exactly one ClusterLoadAssignment named after the cluster's EDS service name
// (envoy source/extensions/clusters/eds/eds.cc EdsClusterImpl::onConfigUpdate), in a directory of its own that Envoy
// watches (`path_config_source.watched_directory`). Envoy never sees an in-place write: a new version is written to a
// temporary file in the same directory and renamed over the old one (rename(2) is atomic; the move into the watched
// directory is what makes Envoy reload, source/extensions/config_subscription/filesystem/
// filesystem_subscription_impl.cc). Hosts whose address stays keep their Envoy Host object, pools and rq_active.
import fs from 'node:fs';
import path from 'node:path';
import { socketAddress, TYPE } from './envoyTypes.ts';
import type { JsonObject } from './protoMerge.ts';

export interface Address {
  ip: string;
  port: number;
}

const FILE = 'endpoints.json';

export class EndpointFiles {
  private readonly versions = new Map<string, number>();

  constructor(private readonly dir: string) {}

  /** The cluster's `eds_config`: its file, watched through its directory (Istio: ADS, initial_fetch_timeout 0s). */
  configSource(cluster: string): JsonObject {
    return {
      path_config_source: { path: path.join(this.clusterDir(cluster), FILE), watched_directory: { path: this.clusterDir(cluster) } },
      resource_api_version: 'V3',
      initial_fetch_timeout: '0s',
    };
  }

  /** Writes the cluster's endpoints (the file must exist before Envoy starts; later writes are picked up live). */
  write(cluster: string, addresses: Address[]): void {
    const dir = this.clusterDir(cluster);
    fs.mkdirSync(dir, { recursive: true });
    const version = (this.versions.get(cluster) ?? 0) + 1;
    this.versions.set(cluster, version);
    const temporary = path.join(dir, `.${FILE}.${version}.tmp`);
    fs.writeFileSync(temporary, JSON.stringify(discoveryResponse(cluster, addresses, version)));
    fs.renameSync(temporary, path.join(dir, FILE));
  }

  private clusterDir(cluster: string): string {
    return path.join(this.dir, cluster.replace(/[^A-Za-z0-9._-]/g, '_'));
  }
}

/**
 * The ClusterLoadAssignment istiod sends for a Service's ready endpoints (pilot/pkg/xds/endpoints/endpoint_builder.go
 * BuildClusterLoadAssignment, buildEnvoyLbEndpoint): one locality (the seed has one zone), every endpoint HEALTHY with
 * weight 1, the locality weighted by the sum of its endpoints' weights (as istiod sets it; the passthrough cluster uses
 * locality-weighted balancing), all in priority 0 (one zone: Istio's failoverPriority puts the gateway's own zone in
 * 0). Not-ready endpoints are not sent at all, so the caller passes only ready ones.
 */
export function discoveryResponse(cluster: string, addresses: Address[], version: number): JsonObject {
  const endpoints =
    addresses.length === 0
      ? []
      : [
          {
            locality: {},
            lb_endpoints: addresses.map((a) => ({ endpoint: { address: socketAddress(a.ip, a.port) }, health_status: 'HEALTHY', load_balancing_weight: 1 })),
            load_balancing_weight: addresses.length,
          },
        ];
  return { version_info: String(version), resources: [{ '@type': TYPE.clusterLoadAssignment, cluster_name: cluster, endpoints }] };
}
