// Turns a pod's request mix into concrete REST calls (sim/clients/requestMix.ts, draw for draw from the same random
// stream): GET of its own objects, LIST with its owner label selector, unconditional PUT updates, merge-patches,
// creates, and deletes of what it created (FIFO).

package main

import (
	"encoding/json"
	"fmt"
	"sync"
)

// restCall is one request of the load, ready for client-go's REST client.
type restCall struct {
	verb     string
	method   string
	resource string
	// path is absolute, without query; params are the query parameters.
	path   string
	params [][2]string
	body   []byte
	// contentType of the body; a merge patch is sent with client-go's Patch(types.MergePatchType).
	contentType string
}

type seedObject struct {
	resource string
	name     string
	body     []byte
}

type requestMix struct {
	pod, namespace string
	entries        []MixEntry
	totalWeight    float64
	rng            *Rng
	counter        int
	created        map[string][]string
}

func newRequestMix(pod, namespace string, entries []MixEntry, rng *Rng) *requestMix {
	total := 0.0
	for _, e := range entries {
		total += e.Weight
	}
	return &requestMix{pod: pod, namespace: namespace, entries: entries, totalWeight: total, rng: rng, created: map[string][]string{}}
}

// seedObjects are the objects the mix reads and updates, created (when missing) during prepare.
func (m *requestMix) seedObjects() []seedObject {
	var out []seedObject
	seen := map[string]bool{}
	for _, e := range m.entries {
		for i := 0; i < e.Objects; i++ {
			name := objectName(m.pod, e.Resource, i)
			if seen[e.Resource+"/"+name] {
				continue
			}
			seen[e.Resource+"/"+name] = true
			out = append(out, seedObject{resource: e.Resource, name: name, body: mustJSON(objectBody(e.Resource, m.namespace, name, m.pod, 0))})
		}
	}
	return out
}

// next draws the next request. Not safe for concurrent use (the schedule's goroutine calls it).
func (m *requestMix) next() restCall {
	pick := m.rng.Float64() * m.totalWeight
	entry := m.entries[len(m.entries)-1]
	for _, e := range m.entries {
		pick -= e.Weight
		if pick < 0 {
			entry = e
			break
		}
	}
	m.counter++
	collection := collectionPath(entry.Resource, m.namespace)
	existing := objectName(m.pod, entry.Resource, m.rng.Intn(entry.Objects))
	call := restCall{verb: entry.Verb, resource: entry.Resource, path: collection + "/" + existing}
	switch entry.Verb {
	case "get":
		call.method = "GET"
	case "list":
		call.method, call.path = "GET", collection
		call.params = [][2]string{{"labelSelector", ownerLabel + "=" + m.pod}, {"limit", "500"}}
	case "update":
		call.method, call.contentType = "PUT", "application/json"
		call.body = mustJSON(objectBody(entry.Resource, m.namespace, existing, m.pod, m.counter))
	case "patch":
		call.method, call.contentType = "PATCH", "application/merge-patch+json"
		call.body = mustJSON(map[string]any{"metadata": map[string]any{"annotations": map[string]string{"sim.gardener.cloud/touched": fmt.Sprint(m.counter)}}})
	case "create":
		name := fmt.Sprintf("%s-%s-c%d", m.pod, entry.Resource[:3], m.counter)
		m.created[entry.Resource] = append(m.created[entry.Resource], name)
		call.method, call.path, call.contentType = "POST", collection, "application/json"
		call.body = mustJSON(objectBody(entry.Resource, m.namespace, name, m.pod, m.counter))
	case "delete":
		name := fmt.Sprintf("%s-%s-gone", m.pod, entry.Resource[:3])
		if list := m.created[entry.Resource]; len(list) > 0 {
			name, m.created[entry.Resource] = list[0], list[1:]
		}
		call.method, call.path = "DELETE", collection+"/"+name
	}
	return call
}

func mustJSON(v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// nextLocked draws under mu, for callers other than the schedule's goroutine.
func (m *requestMix) nextLocked(mu *sync.Mutex) restCall {
	mu.Lock()
	defer mu.Unlock()
	return m.next()
}
