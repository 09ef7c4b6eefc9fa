// The per-pod result the runner reads: ClientRunResult of scripts/core/clientPod.ts, field for field (same JSON names;
// maps are objects and perSecond an array even when empty). docs/load-client.md#the-result says how each is measured.

package main

// ConnectionCounts are the pod's TCP connections: dialled, told GOAWAY, broken by a reset.
type ConnectionCounts struct {
	Opened          int64 `json:"opened"`
	GoawaysReceived int64 `json:"goawaysReceived"`
	Resets          int64 `json:"resets"`
}

// WatchCounts are the watch requests answered and the events they delivered.
type WatchCounts struct {
	Opened int64 `json:"opened"`
	Events int64 `json:"events"`
}

// ThrottleWait sums the waits in client-go's rate limiter.
type ThrottleWait struct {
	Count   int64   `json:"count"`
	TotalMs float64 `json:"totalMs"`
	MaxMs   float64 `json:"maxMs"`
}

// PodIdentity is who the kube-apiserver took the pod for (SelfSubjectReview status.userInfo).
type PodIdentity struct {
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
}

// PodPrepared is what a warm-up did: the requests an apiserver answered, and why it failed.
type PodPrepared struct {
	Answered int    `json:"answered"`
	Error    string `json:"error,omitempty"`
}

// ClientRunResult is one pod's load phase.
type ClientRunResult struct {
	Pod                string           `json:"pod"`
	Group              string           `json:"group"`
	Profile            string           `json:"profile"`
	Attempts           int64            `json:"attempts"`
	AnsweredByCode     map[string]int64 `json:"answeredByCode"`
	GatewayByCode      map[string]int64 `json:"gatewayByCode"`
	Errors             map[string]int64 `json:"errors"`
	Retries            map[string]int64 `json:"retries"`
	Connections        ConnectionCounts `json:"connections"`
	Watches            WatchCounts      `json:"watches"`
	LatencyHistogram   string           `json:"latencyHistogram"`
	SendLagHistogram   string           `json:"sendLagHistogram"`
	FinalByCode        map[string]int64 `json:"finalByCode"`
	FinalGatewayByCode map[string]int64 `json:"finalGatewayByCode"`
	ThrottleWait       ThrottleWait     `json:"throttleWait"`
	PerSecond          []int64          `json:"perSecond"`
	InDoubt            int64            `json:"inDoubt"`
	Unsent             int64            `json:"unsent"`
	Identity           *PodIdentity     `json:"identity,omitempty"`
}
