package p2p

import (
	"log/slog"
	"sync"
	"time"
)

// sampledLog logs events that peers cause (refused streams and connections) at most once per
// LogSampleInterval per event kind, adding how many it held back since its last line: a peer that causes one
// refusal per stream must not fill the disk. The metrics count every event. Event kinds are constants of this
// package, so the maps stay small.
type sampledLog struct {
	log  *slog.Logger
	now  func() time.Time
	mu   sync.Mutex
	last map[string]time.Time
	held map[string]int
}

func newSampledLog(log *slog.Logger) *sampledLog {
	return &sampledLog{log: log, now: time.Now, last: make(map[string]time.Time), held: make(map[string]int)}
}

// Warn logs msg for event kind unless one was logged within LogSampleInterval.
func (l *sampledLog) Warn(kind, msg string, args ...any) {
	l.mu.Lock()
	now := l.now()
	if t, ok := l.last[kind]; ok && now.Sub(t) < LogSampleInterval {
		l.held[kind]++
		l.mu.Unlock()
		return
	}
	held := l.held[kind]
	l.last[kind], l.held[kind] = now, 0
	l.mu.Unlock()
	if held > 0 {
		args = append(args, "similar_not_logged", held)
	}
	l.log.Warn(msg, args...)
}
