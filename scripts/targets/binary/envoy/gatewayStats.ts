// What the runner reads from one gateway pod's Envoy (docs/binary-target-envoy.md#stats): per cluster and per upstream
// host the requests in flight (`rq_active`, what LEAST_REQUEST compares), requests sent (`rq_total`) and open
// connections (`cx_active`) from admin `/clusters?format=json` (envoy api/envoy/admin/v3/clusters.proto; proto3 JSON
// leaves a zero stat without a value), and the cluster and listener counters from `/stats?format=json`
// (`cluster.<alt_stat_name>.upstream_*`, Istio's alt_stat_name being `<cluster>;`; `listener.<address>.downstream_cx_*`,
// per worker `listener.<address>.worker_<i>.downstream_cx_active`; docs/root/configuration/upstream/cluster_manager/
// cluster_stats.rst, listeners/stats.rst).
import { isObject } from './protoMerge.ts';

export interface HostStats {
  rqTotal: number;
  rqActive: number;
  cxActive: number;
  cxTotal: number;
}

export interface ClusterStats {
  /** By `ip:port`. */
  hosts: Record<string, HostStats>;
  upstreamCxActive: number;
  upstreamCxTotal: number;
  upstreamCxHttp1Total: number;
  upstreamCxHttp2Total: number;
  upstreamRqTotal: number;
  upstreamRqActive: number;
  upstreamRqRetry: number;
}

/** One Envoy's admin counters, as Envoy names them; binaryNetworkStats.ts turns them into the seam's GatewayStats (scripts/core/componentStats.ts). */
export interface EnvoyStats {
  downstreamCxActive: number;
  downstreamCxTotal: number;
  /** HTTP requests received over every HTTP connection manager (`http.<stat_prefix>.downstream_rq_total`, admin's not). */
  downstreamRqTotal: number;
  /** Downstream connections open on each worker thread, worker 0 first. */
  downstreamCxActivePerWorker: number[];
  /** Bytes the process's allocator has handed out (admin `/memory`, `allocated`); undefined where not read. */
  memoryAllocatedBytes?: number;
  clusters: Record<string, ClusterStats>;
}

export type AdminGet = (pathAndQuery: string) => Promise<{ status: number; body: string }>;

export async function readGatewayStats(admin: AdminGet): Promise<EnvoyStats> {
  const [clusters, stats, memory] = await Promise.all([
    adminJson(admin, '/clusters?format=json'),
    adminJson(admin, `/stats?format=json&filter=${encodeURIComponent('^(cluster|listener|http)\\.')}`),
    adminJson(admin, '/memory'),
  ]);
  // admin/v3/memory.proto: uint64 fields, which proto3 JSON writes as strings.
  const allocated = Number((memory as { allocated?: string }).allocated);
  return { ...parseGatewayStats(clusters, stats), ...(Number.isFinite(allocated) ? { memoryAllocatedBytes: allocated } : {}) };
}

async function adminJson(admin: AdminGet, pathAndQuery: string): Promise<unknown> {
  const response = await admin(pathAndQuery);
  if (response.status !== 200) throw new Error(`Envoy admin GET ${pathAndQuery}: HTTP ${response.status}: ${response.body.slice(0, 200)}`);
  return JSON.parse(response.body) as unknown;
}

interface ClustersJson {
  cluster_statuses?: {
    name: string;
    host_statuses?: { address?: { socket_address?: { address: string; port_value: number } }; stats?: { name: string; value?: string }[] }[];
  }[];
}

/** Pure: the two admin JSON documents → EnvoyStats. */
export function parseGatewayStats(clustersJson: unknown, statsJson: unknown): EnvoyStats {
  const counters = new Map<string, number>();
  const entries = isObject(statsJson) && Array.isArray(statsJson.stats) ? (statsJson.stats as { name?: string; value?: number }[]) : [];
  for (const s of entries) if (typeof s.name === 'string' && typeof s.value === 'number') counters.set(s.name, s.value);
  const clusters: Record<string, ClusterStats> = {};
  for (const status of (clustersJson as ClustersJson).cluster_statuses ?? []) {
    const stat = (name: string) => counters.get(`cluster.${status.name};.${name}`) ?? counters.get(`cluster.${status.name}.${name}`) ?? 0;
    const hosts: Record<string, HostStats> = {};
    for (const host of status.host_statuses ?? []) {
      const address = host.address?.socket_address;
      if (!address) continue;
      const value = (name: string) => Number(host.stats?.find((s) => s.name === name)?.value ?? 0);
      hosts[`${address.address}:${address.port_value}`] = {
        rqTotal: value('rq_total'),
        rqActive: value('rq_active'),
        cxActive: value('cx_active'),
        cxTotal: value('cx_total'),
      };
    }
    clusters[status.name] = {
      hosts,
      upstreamCxActive: stat('upstream_cx_active'),
      upstreamCxTotal: stat('upstream_cx_total'),
      upstreamCxHttp1Total: stat('upstream_cx_http1_total'),
      upstreamCxHttp2Total: stat('upstream_cx_http2_total'),
      upstreamRqTotal: stat('upstream_rq_total'),
      upstreamRqActive: stat('upstream_rq_active'),
      upstreamRqRetry: stat('upstream_rq_retry'),
    };
  }
  return { ...downstream(counters), clusters };
}

function downstream(counters: Map<string, number>): Omit<EnvoyStats, 'clusters'> {
  let active = 0;
  let total = 0;
  let requests = 0;
  const perWorker: number[] = [];
  for (const [name, value] of counters) {
    if (name.startsWith('http.') && !name.startsWith('http.admin.') && name.endsWith('.downstream_rq_total')) requests += value;
    if (!name.startsWith('listener.') || name.startsWith('listener.admin.')) continue;
    const worker = /\.worker_(\d+)\.downstream_cx_active$/.exec(name);
    if (worker) perWorker[Number(worker[1])] = (perWorker[Number(worker[1])] ?? 0) + value;
    // Each worker repeats the listener's counters (`.worker_<i>.downstream_cx_total`): the listener's own are the sums.
    else if (/\.worker_\d+\./.test(name)) continue;
    else if (name.endsWith('.downstream_cx_active')) active += value;
    else if (name.endsWith('.downstream_cx_total')) total += value;
  }
  return {
    downstreamCxActive: active,
    downstreamCxTotal: total,
    downstreamRqTotal: requests,
    downstreamCxActivePerWorker: Array.from(perWorker, (v) => v ?? 0),
  };
}
