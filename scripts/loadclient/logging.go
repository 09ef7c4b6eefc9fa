// JSON log lines like the Node load client's: {"ts": ISO time, "msg": ..., fields...}, one per line. Pod mode writes
// them to stdout (kubectl logs); one-shot mode to stderr, since stdout carries the result.

package main

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

type jsonLogger struct {
	mu  sync.Mutex
	out io.Writer
}

func (l *jsonLogger) log(msg string, fields map[string]any) {
	entry := map[string]any{}
	for k, v := range fields {
		entry[k] = v
	}
	entry["ts"] = time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	entry["msg"] = msg
	line, err := json.Marshal(entry)
	if err != nil {
		line, _ = json.Marshal(map[string]any{"ts": entry["ts"], "msg": msg, "logError": err.Error()})
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.out.Write(append(line, '\n'))
}
