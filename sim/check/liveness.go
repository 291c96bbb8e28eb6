package check

// The liveness checker. Once the network heals (no loss, no partition, crashed replicas restarted; byzantine
// replicas stay byzantine), every transaction a client submitted must be acknowledged and the correct replicas
// must converge, within a bounded number of ticks.

// Settled reports whether a healed run reached its goal: no client waits (pending[c] is how many transactions
// client c waits for), every correct replica is at one height, and no replica is down.
func Settled(pending []int, heights []uint64, down bool) bool {
	for _, p := range pending {
		if p > 0 {
			return false
		}
	}
	for _, h := range heights {
		if h != heights[0] {
			return false
		}
	}
	return !down
}

// Stalled reports a healed run that did not settle within ticks.
func (k *Checker) Stalled(ticks int, pending []int, heights []uint64) {
	for c, p := range pending {
		if p > 0 {
			k.violate("liveness: client %d has %d unacknowledged transactions after %d healed ticks", c, p, ticks)
		}
	}
	k.violate("liveness: replicas did not converge (heights %v)", heights)
}
