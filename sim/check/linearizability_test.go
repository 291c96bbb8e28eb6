package check

import (
	"math"
	"testing"

	"github.com/anishathalye/porcupine"

	"github.com/sbftnet/sbft/chain"
)

// The linearizability checker rejects a history no sequential execution explains.
func TestLinearizabilityCheckerBites(t *testing.T) {
	put := func(c int, call, ret int64, v string, ver uint64) porcupine.Operation {
		return porcupine.Operation{ClientId: c, Call: call, Return: ret,
			Input: kvInput{Op: chain.OpPut, Key: "k", Value: v}, Output: kvOutput{Version: ver}}
	}
	get := func(c int, call, ret int64, v string, ver uint64) porcupine.Operation {
		return porcupine.Operation{ClientId: c, Call: call, Return: ret, Input: kvInput{Op: chain.OpGet, Key: "k"},
			Output: kvOutput{Value: v, Version: ver, Found: ver > 0}}
	}
	good := []porcupine.Operation{put(0, 1, 2, "a", 1), get(1, 3, 4, "a", 1), put(0, 5, 8, "b", 2), get(1, 6, 7, "a", 1)}
	if !porcupine.CheckOperations(kvModel, good) {
		t.Fatal("a linearizable history was rejected")
	}
	stale := []porcupine.Operation{put(0, 1, 2, "a", 1), put(0, 3, 4, "b", 2), get(1, 5, 6, "a", 1)}
	if porcupine.CheckOperations(kvModel, stale) {
		t.Fatal("a stale read after a completed write was accepted")
	}
}

// An operation whose outcome its client never learned may have taken effect at any point after its call, or
// never; it does not excuse a read of a value nobody wrote.
func TestUnknownOperationsMayOrMayNotHaveHappened(t *testing.T) {
	const never = math.MaxInt64
	op := func(kind chain.Op, call, ret int64, v string, out kvOutput) porcupine.Operation {
		return porcupine.Operation{Call: call, Return: ret, Input: kvInput{Op: kind, Key: "k", Value: v}, Output: out}
	}
	unknownPut := op(chain.OpPut, 1, never, "u", kvOutput{Unknown: true})
	for _, tc := range []struct {
		name string
		h    []porcupine.Operation
		ok   bool
	}{
		{"it happened", []porcupine.Operation{unknownPut, op(chain.OpGet, 2, 3, "", kvOutput{Value: "u", Version: 1, Found: true})}, true},
		{"it did not happen", []porcupine.Operation{unknownPut, op(chain.OpGet, 2, 3, "", kvOutput{})}, true},
		{"it happened after a read that missed it", []porcupine.Operation{unknownPut, op(chain.OpGet, 2, 3, "", kvOutput{}),
			op(chain.OpGet, 4, 5, "", kvOutput{Value: "u", Version: 1, Found: true})}, true},
		{"a value nobody wrote", []porcupine.Operation{unknownPut, op(chain.OpGet, 2, 3, "", kvOutput{Value: "x", Version: 1, Found: true})}, false},
		{"undone once seen", []porcupine.Operation{unknownPut, op(chain.OpGet, 2, 3, "", kvOutput{Value: "u", Version: 1, Found: true}),
			op(chain.OpGet, 4, 5, "", kvOutput{})}, false},
	} {
		if got := porcupine.CheckOperations(kvModel, tc.h); got != tc.ok {
			t.Errorf("%s: linearizable %v, want %v", tc.name, got, tc.ok)
		}
	}
}
