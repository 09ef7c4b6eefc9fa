// The resource requests of the pods a kind or cluster run creates, written once: the manifests set them and the
// capacity check (../podCapacity.ts, docs/kind.md#cluster-capacity) adds them up before a run starts. The scheduler
// places a pod only on a node whose allocatable minus the requests already placed there covers the pod's requests
// (kube-scheduler's NodeResourcesFit plugin, pkg/scheduler/framework/plugins/noderesources/fit.go), and never more pods
// on a node than its kubelet's maxPods (the node's allocatable `pods`).
export interface ResourceRequests {
  cpu: string;
  memory: string;
}

/** A shoot kube-apiserver replica (Gardener's seed runs them with far more; a test replica serves a few hundred req/s). */
export const KUBE_APISERVER_REQUESTS: ResourceRequests = { cpu: '250m', memory: '384Mi' };
/** The control plane's single-member etcd. */
export const ETCD_REQUESTS: ResourceRequests = { cpu: '100m', memory: '128Mi' };
/** A client pod running the Go load client (static binary, one process). */
export const LOAD_CLIENT_REQUESTS: ResourceRequests = { cpu: '50m', memory: '128Mi' };
/**
 * An istio-ingressgateway pod, set in the gateway chart's values by cluster:up (manifests/istio.ts). On your own
 * cluster the check reads the requests of the gateway Deployment that is there instead.
 */
export const GATEWAY_REQUESTS: ResourceRequests = { cpu: '100m', memory: '128Mi' };
