package check

import (
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/sbftnet/sbft/chain"
)

// The linearizability checker. The client-observed history of operations on shared keys must be linearizable
// (porcupine, against the KV application's sequential specification written here); every put of a fresh key a
// client acknowledged must have succeeded, and be in the state of every correct replica at the top height when
// the run ends; and no correct replica executes a transaction twice or one no client submitted (check.go).

// Op is an operation a client acknowledged: a put of a fresh key of its own, or an operation on a shared key,
// with its result and its logical call and return times (the world's clock of client calls and returns).
type Op struct {
	Client       int
	Shared       bool
	Op           chain.Op
	Key, Value   string
	Version      uint64 // a conditional put's expected version
	Call, Return int64
	Result       *chain.Result
}

// Unknown records an operation whose outcome its client will not learn: on a shared key, in the history with
// an unknown output and a return after every other, so it may take effect at any point after its call, or never
// (last); a put of a fresh key is not checked.
func (k *Checker) Unknown(op Op) {
	if op.Shared {
		k.history = append(k.history, porcupine.Operation{ClientId: op.Client,
			Input:  kvInput{Op: op.Op, Key: op.Key, Value: op.Value, Version: op.Version},
			Output: kvOutput{Unknown: true}, Call: op.Call, Return: op.Return})
	}
}

// write is an acknowledged put of a fresh key.
type write struct {
	key, value string
	height     uint64 // where the put executed
}

// Acknowledged records an acknowledged operation: on a shared key, in the history; a put of a fresh key must
// have succeeded.
func (k *Checker) Acknowledged(op Op) {
	res := op.Result
	if op.Shared {
		k.history = append(k.history, porcupine.Operation{ClientId: op.Client,
			Input:  kvInput{Op: op.Op, Key: op.Key, Value: op.Value, Version: op.Version},
			Output: kvOutput{Code: res.Code, Value: string(res.Value), Version: res.Version, Found: res.Found},
			Call:   op.Call, Return: op.Return})
		return
	}
	if res.Code != chain.CodeOK {
		k.violate("linearizability: client %d: put %s of a fresh key acknowledged as failed: %v", op.Client, op.Key, res.Code)
		return
	}
	k.written[op.Key] = len(k.writes)
	k.writes = append(k.writes, write{key: op.Key, value: op.Value, height: res.Height})
}

// checkWrite checks that an acknowledged write is in a correct replica's state.
func (k *Checker) checkWrite(replica int, st State, wr write) {
	v, _, found, err := st.Get([]byte(wr.key))
	if err != nil || !found || string(v) != wr.value {
		k.violate("linearizability: acknowledged write %s=%s missing on replica %d (found %v, %q)", wr.key, wr.value, replica, found, v)
	}
}

// kvInput and kvOutput are one client operation on a shared key, as porcupine sees it.
type kvInput struct {
	Op      chain.Op
	Key     string
	Value   string
	Version uint64 // CAS: expected version
}

type kvOutput struct {
	Unknown bool // the client never learned it: any output
	Code    chain.Code
	Value   string
	Version uint64
	Found   bool
}

// kvState is one key's state: version 0 means absent.
type kvState struct {
	Value   string
	Version uint64
}

// kvModel is the sequential specification of the KV application, partitioned by key.
var kvModel = porcupine.Model{
	Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range h {
			k := op.Input.(kvInput).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() interface{} { return kvState{} },
	Step: func(state, input, output interface{}) (bool, interface{}) {
		st, in, out := state.(kvState), input.(kvInput), output.(kvOutput)
		switch in.Op {
		case chain.OpPut:
			next := kvState{Value: in.Value, Version: st.Version + 1}
			return out.Unknown || out.Code == chain.CodeOK && out.Version == next.Version, next
		case chain.OpGet:
			return out.Unknown || out.Code == chain.CodeOK && out.Version == st.Version && out.Found == (st.Version > 0) &&
				(!out.Found || out.Value == st.Value), st
		case chain.OpCAS:
			if st.Version == in.Version {
				next := kvState{Value: in.Value, Version: st.Version + 1}
				return out.Unknown || out.Code == chain.CodeOK && out.Version == next.Version, next
			}
			return out.Unknown || out.Code == chain.CodeConditionFailed && out.Version == st.Version, st
		}
		return false, st
	},
	DescribeOperation: func(input, output interface{}) string {
		return fmt.Sprintf("%+v -> %+v", input, output)
	},
}

// LinearizabilityTimeout bounds the porcupine search of one run.
const LinearizabilityTimeout = 10 * time.Second

func (k *Checker) checkLinearizable() {
	if len(k.history) == 0 {
		return
	}
	switch porcupine.CheckOperationsTimeout(kvModel, k.history, LinearizabilityTimeout) {
	case porcupine.Illegal:
		k.violate("linearizability: the client-observed history of %d operations on shared keys is not linearizable", len(k.history))
	case porcupine.Unknown:
		k.violate("linearizability check timed out on %d operations", len(k.history))
	}
}
