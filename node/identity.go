package node

import (
	"context"
	"slices"
	"time"

	"github.com/sbftnet/sbft/mutant"
	"github.com/sbftnet/sbft/wire"
)

// watchIdentity asks the other replicas, every InstanceCheckInterval, which other processes of this replica's
// key opened consensus streams to them recently (an operator who copied a home): two processes with one key
// sign conflicting messages and make the replica look faulty. A process counts only when f+1 distinct replicas
// report it, so at least one correct replica saw it: one byzantine replica cannot make an honest one unhealthy.
// While one counts the replica logs it loudly and reports unhealthy; once it has not been seen for
// InstanceSeenWindow, the alarm clears.
func (n *Node) watchIdentity(ctx context.Context) {
	started := time.Now()
	t := time.NewTimer(InstanceCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		within := instanceWindow(time.Since(started))
		reports := make(map[uint32][]wire.InstanceID, len(n.peers))
		for i, p := range n.peers {
			if uint32(i) == n.id {
				continue
			}
			rctx, cancel := context.WithTimeout(ctx, InstanceCheckInterval/2)
			ids, err := n.host.OtherInstances(rctx, p, within)
			cancel()
			if err == nil && len(ids) > 0 {
				reports[uint32(i)] = ids
			}
		}
		others := duplicateInstances(reports, n.opts.Genesis.F+1)
		if len(others) > 0 {
			n.log.Error("ANOTHER PROCESS USES THIS REPLICA'S KEY: stop one of them (a copied home?); both look faulty to the network",
				"mine", n.host.Instance(), "others", others, "reported_by", len(reports))
		} else if n.duplicate.Load() {
			n.log.Info("the other process of this replica's key is gone: no replica saw it recently", "window", within)
		}
		n.duplicate.Store(len(others) > 0)
		t.Reset(instanceCheckInterval(time.Since(started), len(others) > 0))
	}
}

// instanceCheckInterval is the wait before the next check of a process up for uptime.
func instanceCheckInterval(uptime time.Duration, duplicate bool) time.Duration {
	if duplicate || uptime < InstanceCheckFastFor {
		return InstanceCheckInterval
	}
	return InstanceCheckIntervalSettled
}

// instanceWindow is how recently another instance must have been seen to count, for a process up for uptime:
// InstanceSeenWindow, and less just after a start, when the process before a restart (whose streams this one's
// replaced) was seen moments ago. It never grows with uptime: an instance that stopped stops counting.
func instanceWindow(uptime time.Duration) time.Duration {
	return max(0, min(InstanceSeenWindow, uptime-InstanceGrace))
}

// duplicateInstances returns the instances that at least quorum distinct replicas report (sorted): reports maps
// a replica to the other instances of this key it saw; one replica naming an instance twice counts once.
func duplicateInstances(reports map[uint32][]wire.InstanceID, quorum int) []wire.InstanceID {
	if mutant.On(mutant.DuplicateOneReport) {
		quorum = 1
	}
	reporters := make(map[wire.InstanceID]map[uint32]bool)
	for replica, ids := range reports {
		for _, id := range ids {
			if reporters[id] == nil {
				reporters[id] = make(map[uint32]bool)
			}
			reporters[id][replica] = true
		}
	}
	var out []wire.InstanceID
	for id, by := range reporters {
		if len(by) >= quorum {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, func(a, b wire.InstanceID) int { return slices.Compare(a[:], b[:]) })
	return out
}
