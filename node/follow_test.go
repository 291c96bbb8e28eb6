package node

import (
	"slices"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

func TestPickSourceRoundRobinSkipsPenalized(t *testing.T) {
	now := time.Unix(1000, 0)
	penalty := make([]time.Time, 4)
	penalty[1] = now.Add(time.Minute)
	next := 0
	var got []int
	for k := 0; k < 4; k++ {
		src, wait := pickSource(penalty, &next, now)
		if wait != 0 {
			t.Fatalf("waits %v with sources free", wait)
		}
		got = append(got, src)
	}
	if want := []int{0, 2, 3, 0}; !slices.Equal(got, want) {
		t.Fatalf("sources %v, want %v", got, want)
	}
	for i := range penalty {
		penalty[i] = now.Add(time.Duration(i+1) * time.Second)
	}
	if _, wait := pickSource(penalty, &next, now); wait != time.Second {
		t.Fatalf("all under penalty: wait %v, want the earliest end (1s)", wait)
	}
}

// Client nodes start with different replicas: FirstSource spreads peer IDs over all of them.
func TestFirstSourceSpreads(t *testing.T) {
	seen := map[int]int{}
	for i := 0; i < 400; i++ {
		seen[FirstSource(peer.ID(string(rune(i))+"node"), 4)]++
	}
	for src := 0; src < 4; src++ {
		if seen[src] < 50 {
			t.Fatalf("first sources %v: replica %d nearly never first", seen, src)
		}
	}
}
