// The warm-up (clientGoPod.ts prepare): create the objects the mix uses (201, or 409 when they are there already),
// list what the watches will follow, and ask who the kube-apiserver takes the pod for (a SelfSubjectReview, as
// `kubectl auth whoami` does). It never fails the pod: a pod that cannot reach its apiserver reports why, and its load
// then fails request by request, counted by kind. These requests are not part of the load phase's counts.

package main

import (
	"context"
	"fmt"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// prepareTimeout bounds one warm-up attempt.
const prepareTimeout = 60 * time.Second

// Prepare runs the warm-up once.
func (p *Pod) Prepare(ctx context.Context) PodPrepared {
	ctx, cancel := context.WithTimeout(ctx, prepareTimeout)
	defer cancel()
	answered := 0
	for _, seed := range p.mix.seedObjects() {
		result := p.clients.rest.Post().AbsPath(collectionPath(seed.resource, p.meta.Namespace)).
			Body(seed.body).SetHeader("Content-Type", "application/json").Do(ctx)
		var status int
		result.StatusCode(&status)
		if status != 201 && status != 409 {
			body, err := result.Raw()
			return PodPrepared{Answered: answered, Error: fmt.Sprintf("pod %s: creating %s/%s failed: %s", p.meta.Name, seed.resource, seed.name, describe(status, body, err))}
		}
		answered++
	}
	for _, w := range p.spec.Watches {
		if _, err := p.list(ctx, w.Resource, nil); err != nil {
			return PodPrepared{Answered: answered, Error: fmt.Sprintf("pod %s: %v", p.meta.Name, err)}
		}
		answered++
	}
	review, err := p.clients.clientset.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return PodPrepared{Answered: answered, Error: fmt.Sprintf("pod %s: SelfSubjectReview failed: %v", p.meta.Name, err)}
	}
	answered++
	groups := review.Status.UserInfo.Groups
	if groups == nil {
		groups = []string{}
	}
	p.mu.Lock()
	p.identity = &PodIdentity{Username: review.Status.UserInfo.Username, Groups: groups}
	p.mu.Unlock()
	return PodPrepared{Answered: answered}
}

// PrepareWithRetries tries the warm-up again while it fails and retryFor has not passed: right after a cluster came
// up, istiod may still be pushing the gateway's routes (scripts/targets/kind/loadClient/main.ts prepareWithRetries).
// Every attempt's answered requests count.
func (p *Pod) PrepareWithRetries(ctx context.Context, retryFor, pause time.Duration, logf func(string, map[string]any)) PodPrepared {
	deadline := time.Now().Add(retryFor)
	answered := 0
	for attempt := 1; ; attempt++ {
		prepared := p.Prepare(ctx)
		answered += prepared.Answered
		if prepared.Error == "" || !time.Now().Before(deadline) || ctx.Err() != nil {
			prepared.Answered = answered
			return prepared
		}
		logf("warm-up failed, trying again", map[string]any{"attempt": attempt, "error": prepared.Error})
		if !sleepContext(ctx, pause) {
			prepared.Answered = answered
			return prepared
		}
	}
}
