package check

import (
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
