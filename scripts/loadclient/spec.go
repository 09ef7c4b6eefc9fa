// The client group description a pod runs with: LoadClientSpec of scripts/targets/kind/loadClient/protocol.ts, i.e.
// the simulator's ClientBehaviour (scripts/core/clientPod.ts) plus the group's name and the run's random seed. Read from
// the LOAD_CLIENT_SPEC environment variable (pod mode) or a file (one-shot mode) and checked field by field; the
// verbs and resources are exactly those of scripts/core/clientPod.ts (CLIENT_VERBS, CLIENT_RESOURCES).

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

// The words a mix may use (scripts/core/clientPod.ts; vocabulary_test.go compares them with that file).
var (
	clientVerbs     = []string{"get", "list", "create", "update", "patch", "delete"}
	clientResources = []string{"configmaps", "secrets", "leases", "pods", "services", "events"}
)

// MixEntry is one weighted kind of request (scripts/core/clientPod.ts MixEntry).
type MixEntry struct {
	Verb     string  `json:"verb"`
	Resource string  `json:"resource"`
	Weight   float64 `json:"weight"`
	// Objects of this resource the client cycles through (created during prepare).
	Objects int `json:"objects"`
}

// WatchEntry is one informer: a watch held open for the whole load phase.
type WatchEntry struct {
	Resource string `json:"resource"`
}

// The two client profiles (scenarios/schema.ts ClientGroup.profile).
const (
	profileClientGo  = "client-go"
	profileHTTP1Pool = "http1-pool"
)

// HTTP1Settings are the http1-pool profile's (pool.go): the pool's size and how often a connection is replaced.
type HTTP1Settings struct {
	Connections   int  `json:"connections"`
	ReconnectRate *int `json:"reconnectRate,omitempty"`
}

// LoadClientSpec is a client group's settings as the pod gets them.
type LoadClientSpec struct {
	Group   string  `json:"group"`
	Profile string  `json:"profile"`
	QPS     float64 `json:"qps"`
	Burst   int     `json:"burst"`
	// Rate is the offered load in requests per second (open loop).
	Rate       float64        `json:"rate"`
	Arrival    string         `json:"arrival"`
	Mix        []MixEntry     `json:"mix"`
	Watches    []WatchEntry   `json:"watches"`
	HTTP1      *HTTP1Settings `json:"http1,omitempty"`
	MaxRetries int            `json:"maxRetries"`
	RandomSeed float64        `json:"randomSeed"`
}

// requiredSpecKeys are the keys parseLoadClientSpec (protocol.ts) insists on.
var requiredSpecKeys = []string{"group", "profile", "qps", "burst", "rate", "arrival", "mix", "maxRetries", "randomSeed"}

// ParseLoadClientSpec reads and checks a spec; the error names the first problem.
func ParseLoadClientSpec(data []byte) (*LoadClientSpec, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, fmt.Errorf("spec is not a JSON object: %v", err)
	}
	for _, key := range requiredSpecKeys {
		if _, ok := keys[key]; !ok {
			return nil, fmt.Errorf("spec has no %q", key)
		}
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	spec := &LoadClientSpec{}
	if err := decoder.Decode(spec); err != nil {
		return nil, fmt.Errorf("spec: %v", err)
	}
	if spec.Watches == nil {
		spec.Watches = []WatchEntry{}
	}
	if err := spec.validate(); err != nil {
		return nil, fmt.Errorf("spec: %v", err)
	}
	return spec, nil
}

func (s *LoadClientSpec) validate() error {
	switch {
	case s.Group == "":
		return fmt.Errorf("group must not be empty")
	case s.Profile != profileClientGo && s.Profile != profileHTTP1Pool:
		return fmt.Errorf("profile must be client-go or http1-pool, got %q", s.Profile)
	case s.Profile == profileHTTP1Pool && s.HTTP1 == nil:
		return fmt.Errorf("profile http1-pool needs http1.connections")
	case s.HTTP1 != nil && (s.HTTP1.Connections < 1 || s.HTTP1.Connections > 1000):
		return fmt.Errorf("http1.connections must be in [1, 1000], got %d", s.HTTP1.Connections)
	case s.HTTP1 != nil && s.HTTP1.ReconnectRate != nil && *s.HTTP1.ReconnectRate < 1:
		return fmt.Errorf("http1.reconnectRate must be >= 1, got %d", *s.HTTP1.ReconnectRate)
	case s.QPS < 0 || math.IsNaN(s.QPS) || s.QPS > math.MaxFloat32:
		return fmt.Errorf("qps must be >= 0 (0: client-go's default), got %v", s.QPS)
	case s.Burst < 0:
		return fmt.Errorf("burst must be >= 0 (0: client-go's default), got %d", s.Burst)
	case !(s.Rate > 0) || math.IsInf(s.Rate, 0):
		return fmt.Errorf("rate must be > 0, got %v", s.Rate)
	case s.Arrival != "constant" && s.Arrival != "poisson":
		return fmt.Errorf("arrival must be constant or poisson, got %q", s.Arrival)
	case len(s.Mix) == 0:
		return fmt.Errorf("mix must have at least one entry")
	case s.MaxRetries < 0:
		return fmt.Errorf("maxRetries must be >= 0, got %d", s.MaxRetries)
	case s.RandomSeed < 0 || s.RandomSeed != math.Trunc(s.RandomSeed) || s.RandomSeed > math.MaxUint32:
		return fmt.Errorf("randomSeed must be an integer in [0, 2^32), got %v", s.RandomSeed)
	}
	for i, e := range s.Mix {
		switch {
		case !slices.Contains(clientVerbs, e.Verb):
			return fmt.Errorf("mix[%d].verb must be one of %v, got %q", i, clientVerbs, e.Verb)
		case !slices.Contains(clientResources, e.Resource):
			return fmt.Errorf("mix[%d].resource must be one of %v, got %q", i, clientResources, e.Resource)
		case !(e.Weight > 0) || math.IsInf(e.Weight, 0):
			return fmt.Errorf("mix[%d].weight must be > 0, got %v", i, e.Weight)
		case e.Objects < 1:
			return fmt.Errorf("mix[%d].objects must be >= 1, got %d", i, e.Objects)
		}
	}
	for i, w := range s.Watches {
		if !slices.Contains(clientResources, w.Resource) {
			return fmt.Errorf("watches[%d].resource must be one of %v, got %q", i, clientResources, w.Resource)
		}
	}
	return nil
}

// seed is the run's random seed as the simulator's Rng takes it.
func (s *LoadClientSpec) seed() uint32 {
	return uint32(s.RandomSeed)
}
