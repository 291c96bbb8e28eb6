package node

import (
	"context"
	"time"

	"github.com/sbftnet/sbft/wire"
)

// watchIdentity asks the other replicas, every InstanceCheckInterval, whether another process of this replica's
// key opened consensus streams to them since this one started (an operator who copied a home): two processes
// with one key sign conflicting messages and make the replica look faulty. While one is seen the replica logs it
// loudly and reports unhealthy.
func (n *Node) watchIdentity(ctx context.Context) {
	started := time.Now()
	t := time.NewTicker(InstanceCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// The process before a restart last showed when this one's first stream replaced its own: it does not
		// count. A second live process keeps reconnecting (each replaces the other's stream), so it stays fresh.
		within := time.Since(started) - InstanceGrace
		var others []wire.InstanceID
		for i, p := range n.peers {
			if uint32(i) == n.id {
				continue
			}
			rctx, cancel := context.WithTimeout(ctx, InstanceCheckInterval/2)
			ids, err := n.host.OtherInstances(rctx, p, within)
			cancel()
			if err == nil {
				others = append(others, ids...)
			}
		}
		if len(others) > 0 {
			n.log.Error("ANOTHER PROCESS USES THIS REPLICA'S KEY: stop one of them (a copied home?); both look faulty to the network",
				"mine", n.host.Instance(), "others", others)
		}
		n.duplicate.Store(len(others) > 0)
	}
}
