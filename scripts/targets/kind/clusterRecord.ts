// What `npm run cluster:up` configured, kept next to the kind cluster's other files (`.kind/<name>/cluster.json`,
// docs/kind.md#what-clusterup-records) once it succeeded. Every `--target kind` run and its dry run read it as their
// defaults, so the kube-apiserver version and etcd image cluster:up pre-pulled, the kube-proxy mode the nodes run, the
// images it built and the gateway namespace it installed are what the runs deploy and check against: one source of
// truth, whatever flags cluster:up was given. Flags of the run still override it.
import fs from 'node:fs';
import path from 'node:path';
import type { ResolvedClusterUpOptions } from './options.ts';

export interface ClusterRecord {
  clusterName: string;
  kubeApiserverVersion: string;
  etcdImage: string;
  kubeProxyMode: 'iptables' | 'ipvs';
  images: { webhook: string; loadClient: string };
  gatewayNamespace: string;
  istioVersion: string;
  /** The worker nodes and their kubelet's maxPods (absent in records from before they were kept). */
  workers?: number;
  maxPods?: number;
  /** When cluster:up finished (ISO 8601). */
  recordedAt: string;
}

/** `<root>/.kind/<cluster name>/cluster.json`. */
export function clusterRecordPath(clusterName: string, root = '.'): string {
  return path.join(root, '.kind', clusterName, 'cluster.json');
}

export function clusterRecordOf(o: ResolvedClusterUpOptions, now = new Date()): ClusterRecord {
  return {
    clusterName: o.clusterName,
    kubeApiserverVersion: o.kubeApiserverVersion,
    etcdImage: o.etcdImage,
    kubeProxyMode: o.kubeProxyMode,
    images: { ...o.images },
    gatewayNamespace: o.gatewayNamespace,
    istioVersion: o.istioVersion,
    workers: o.workers,
    maxPods: o.maxPods,
    recordedAt: now.toISOString(),
  };
}

export function writeClusterRecord(record: ClusterRecord, root = '.'): string {
  const file = clusterRecordPath(record.clusterName, root);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  return file;
}

/** The record of a kind cluster, or undefined when cluster:up has not recorded one here; a broken file is an error. */
export function readClusterRecord(clusterName: string, root = '.'): ClusterRecord | undefined {
  const file = clusterRecordPath(clusterName, root);
  if (!fs.existsSync(file)) return undefined;
  let record: Partial<ClusterRecord>;
  try {
    record = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<ClusterRecord>;
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message}); delete it or run \`npm run cluster:up\` again`, { cause: error });
  }
  const missing = (['kubeApiserverVersion', 'etcdImage', 'kubeProxyMode', 'images', 'gatewayNamespace'] as const).filter((k) => record[k] === undefined);
  if (missing.length > 0) throw new Error(`${file}: no ${missing.join(', ')}; delete it or run \`npm run cluster:up\` again`);
  return record as ClusterRecord;
}
