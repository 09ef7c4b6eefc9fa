// The objects a pod's requests touch, named and shaped exactly as the simulator's request mix makes them
// (sim/clients/requestMix.ts: collectionPath, objectName, objectBody), so a real kube-apiserver sees the same paths
// and bodies from this program as the simulated one does from the simulator.

package main

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ownerLabel marks every object a pod creates (requestMix.ts OWNER_LABEL); LISTs select on it.
const ownerLabel = "sim.gardener.cloud/client"

var groupPath = map[string]string{
	"configmaps": "/api/v1",
	"secrets":    "/api/v1",
	"pods":       "/api/v1",
	"services":   "/api/v1",
	"events":     "/api/v1",
	"leases":     "/apis/coordination.k8s.io/v1",
}

func collectionPath(resource, namespace string) string {
	return fmt.Sprintf("%s/namespaces/%s/%s", groupPath[resource], namespace, resource)
}

func objectName(pod, resource string, index int) string {
	return fmt.Sprintf("%s-%s-%d", pod, resource[:3], index)
}

// objectBody is a small object of the resource's kind that a real kube-apiserver accepts.
func objectBody(resource, namespace, name, pod string, counter int) map[string]any {
	metadata := map[string]any{"name": name, "namespace": namespace, "labels": map[string]string{ownerLabel: pod}}
	switch resource {
	case "configmaps":
		return map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata,
			"data": map[string]string{"generation": strconv.Itoa(counter), "payload": strings.Repeat("x", 64)}}
	case "secrets":
		return map[string]any{"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": metadata,
			"data": map[string]string{"token": base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("token-%d", counter)))}}
	case "leases":
		// renewTime in MicroTime form, as `new Date().toISOString().replace('Z', '000Z')` writes it.
		renew := time.Now().UTC().Format("2006-01-02T15:04:05.000") + "000Z"
		return map[string]any{"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata,
			"spec": map[string]any{"holderIdentity": pod, "leaseDurationSeconds": 15, "renewTime": renew, "leaseTransitions": counter}}
	case "pods":
		return map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
			"spec": map[string]any{"containers": []map[string]string{{"name": "main", "image": "registry.k8s.io/pause:3.10"}}}}
	case "services":
		return map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": metadata,
			"spec": map[string]any{"type": "ClusterIP", "ports": []map[string]any{{"port": 80, "targetPort": 8080, "protocol": "TCP"}},
				"selector": map[string]string{"app": name}}}
	case "events":
		return map[string]any{"apiVersion": "v1", "kind": "Event", "metadata": metadata,
			"involvedObject": map[string]string{"kind": "Pod", "namespace": namespace, "name": pod},
			"reason":         "Simulated", "message": fmt.Sprintf("event %d", counter), "type": "Normal",
			"source": map[string]string{"component": pod}}
	}
	panic("unknown resource " + resource)
}
