package sim

import (
	"fmt"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/sbftnet/sbft/chain"
)

// kvInput and kvOutput are one client operation on a shared key, as porcupine sees it.
type kvInput struct {
	Op      chain.Op
	Key     string
	Value   string
	Version uint64 // CAS: expected version
}

type kvOutput struct {
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
			return out.Code == chain.CodeOK && out.Version == next.Version, next
		case chain.OpGet:
			return out.Code == chain.CodeOK && out.Version == st.Version && out.Found == (st.Version > 0) &&
				(!out.Found || out.Value == st.Value), st
		case chain.OpCAS:
			if st.Version == in.Version {
				next := kvState{Value: in.Value, Version: st.Version + 1}
				return out.Code == chain.CodeOK && out.Version == next.Version, next
			}
			return out.Code == chain.CodeConditionFailed && out.Version == st.Version, st
		}
		return false, st
	},
	DescribeOperation: func(input, output interface{}) string {
		return fmt.Sprintf("%+v -> %+v", input, output)
	},
}

// LinearizabilityTimeout bounds the porcupine search of one run.
const LinearizabilityTimeout = 10 * time.Second

func (w *world) checkLinearizable() {
	if len(w.history) == 0 {
		return
	}
	switch porcupine.CheckOperationsTimeout(kvModel, w.history, LinearizabilityTimeout) {
	case porcupine.Illegal:
		w.violate("linearizability: the client-observed history of %d operations on shared keys is not linearizable", len(w.history))
	case porcupine.Unknown:
		w.violate("linearizability check timed out on %d operations", len(w.history))
	}
}
