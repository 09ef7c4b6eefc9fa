// The seam between the simulated kube-apiserver and admission plugins (the MutatingAdmissionWebhook plugin in
// ./admission/). Shapes follow k8s.io/apiserver/pkg/admission Attributes.
import type { KubeObject } from '../../scripts/core/kubeObject.ts';
import type { StatusObject } from './status.ts';

export interface UserInfo {
  username: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export interface AdmissionAttributes {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  group: string;
  version: string;
  /** Plural resource, e.g. "pods". */
  resource: string;
  subresource: string;
  kind: { group: string; version: string; kind: string };
  namespace: string;
  name: string;
  object: KubeObject;
  oldObject?: KubeObject;
  userInfo: UserInfo;
  dryRun: boolean;
}

export type AdmissionResult = { allowed: true; object: KubeObject } | { allowed: false; status: StatusObject };

export type AdmitFunction = (attributes: AdmissionAttributes) => Promise<AdmissionResult>;

/** Read access to the store for admission plugins (webhook configurations, namespaces). */
export interface StoreReader {
  get(resource: string, namespace: string, name: string): KubeObject | undefined;
  list(resource: string, namespace?: string): KubeObject[];
}
