package client

import (
	"testing"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// f+1 matching replies from distinct replicas decide; a replica's second reply and a different result do not.
func TestTallyNeedsFPlusOneDistinctReplicas(t *testing.T) {
	res := func(v string) *wire.Reply {
		return &wire.Reply{Status: wire.StatusCommitted, Result: (&chain.Result{Value: []byte(v)}).Marshal()}
	}
	tl := NewTally(1)
	if tl.Add(0, res("lie")) || tl.Add(0, res("real")) || tl.Add(1, res("real")) {
		t.Fatal("decided before f+1 distinct replicas matched")
	}
	if !tl.Add(2, res("real")) {
		t.Fatal("f+1 matching replies did not decide")
	}
	if got, err := Decide(res("real")); err != nil || string(got.Value) != "real" {
		t.Fatalf("Decide = %v, %v", got, err)
	}
}
