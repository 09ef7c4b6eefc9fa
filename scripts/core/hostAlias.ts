// A pod's spec.hostAliases entry (core/v1 HostAlias, k8s.io/api/core/v1/types.go): the kubelet writes each as a line of
// the pod's /etc/hosts, ahead of cluster DNS. Gardener's webhook adds one for the internal gateway. Shared by the
// client pod spec, the simulator's resolver and the binary target's hosts file (docs/architecture.md#layers); webhook/
// keeps its own copy, since it stands alone.

export interface HostAlias {
  ip: string;
  hostnames: string[];
}
