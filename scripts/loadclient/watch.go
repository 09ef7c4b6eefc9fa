// Informer-style watches (client-go tools/cache/reflector.go): one watch per watched resource, held for the whole load
// phase, asking for timeoutSeconds of 5-10 minutes, bookmarks and the last resourceVersion seen, opened again from
// that version when the server ends it. An Error event (410 Expired) makes the reflector list again; so does this.
// The watch is client-go's own rest.Request.Watch (no token taken for the first attempt, "We specifically don't
// want to rate limit watches", rest/request.go); every event it decodes counts, bookmarks included.

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"
)

func (p *Pod) watchLoop(ctx context.Context, resource string, acc *accounting) {
	collection := collectionPath(resource, p.meta.Namespace)
	for ctx.Err() == nil {
		timeout := int64(300 + p.intn(300))
		options := &metav1.ListOptions{Watch: true, ResourceVersion: p.watchRV(resource), TimeoutSeconds: &timeout, AllowWatchBookmarks: true}
		trace := &requestTrace{acc: acc, watch: true}
		w, err := p.clients.rest.Get().AbsPath(collection).VersionedParams(options, scheme.ParameterCodec).Watch(withTrace(ctx, trace))
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			acc.error("watch-" + watchErrorKind(trace, err))
			if !sleepContext(ctx, connectionResetRetryPause) {
				return
			}
			continue
		}
		if expired := p.consume(ctx, w, resource, acc); expired {
			if _, err := p.list(ctx, resource, acc); err != nil && ctx.Err() == nil {
				acc.error("watch-relist")
			}
		}
	}
}

// consume counts a watch's events until it ends; true when it ended with an Error event.
func (p *Pod) consume(ctx context.Context, w watch.Interface, resource string, acc *accounting) bool {
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case event, ok := <-w.ResultChan():
			if !ok {
				return false
			}
			acc.watchEvent()
			if event.Type == watch.Error {
				return true
			}
			if object, err := meta.Accessor(event.Object); err == nil && object.GetResourceVersion() != "" {
				p.setWatchRV(resource, object.GetResourceVersion())
			}
		}
	}
}

func watchErrorKind(trace *requestTrace, err error) string {
	if trace.last == eventRoundTrip && trace.lastStatus != 0 {
		return fmt.Sprintf("http-%d", trace.lastStatus)
	}
	if trace.last == eventRoundTrip && trace.lastKind != "" {
		return trace.lastKind
	}
	return errorKind(err)
}

// list is a LIST of the pod's namespace (limit 500), as the reflector's initial list; it keeps the resourceVersion.
func (p *Pod) list(ctx context.Context, resource string, acc *accounting) (int, error) {
	trace := &requestTrace{acc: acc}
	result := p.clients.rest.Get().AbsPath(collectionPath(resource, p.meta.Namespace)).Param("limit", "500").Do(withTrace(ctx, trace))
	var status int
	result.StatusCode(&status)
	body, err := result.Raw()
	if status != 200 {
		return status, fmt.Errorf("listing %s failed: %s", resource, describe(status, body, err))
	}
	var list struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return status, fmt.Errorf("listing %s: %v", resource, err)
	}
	p.setWatchRV(resource, list.Metadata.ResourceVersion)
	return status, nil
}

func (p *Pod) watchRV(resource string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if rv, ok := p.watchRVs[resource]; ok && rv != "" {
		return rv
	}
	return "0"
}

func (p *Pod) setWatchRV(resource, rv string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.watchRVs[resource] = rv
}

// describe is an answer's status and the start of its body, or the error when there was no answer.
func describe(status int, body []byte, err error) string {
	if status == 0 {
		if err == nil {
			err = errors.New("no answer")
		}
		return err.Error()
	}
	if len(body) > 200 {
		body = body[:200]
	}
	return fmt.Sprintf("HTTP %d %s", status, body)
}

// sleepContext sleeps unless ctx ends first; false when it did.
func sleepContext(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
