// A Kubernetes object in its JSON shape (k8s.io/apimachinery/pkg/apis/meta/v1 ObjectMeta and TypeMeta): what the
// simulated kube-apiserver stores and serves, and what the plan's seed objects are. Shared by the simulator and the
// plan, so it lives in the bottom layer (docs/architecture.md#layers). webhook/ keeps its own copy, since it stands alone.

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** A KubeObject written to be created (`kubectl create -f`): its apiVersion, kind and name are set. */
export interface KubeManifest extends KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta & { name: string };
}
