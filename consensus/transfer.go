package consensus

// State transfer: catch-up (status.go) closes small gaps with the committed batches peers retain, a window of
// them. A replica further behind than that, or one that executes nothing while f+1 peers are ahead, cannot
// catch up from batches and needs the node's state transfer (blocks and a stable checkpoint from peers). The
// core says so in Ready.NeedStateTransfer, at most every TransferAskTicks while it holds; the node starts one
// transfer at a time and rebuilds the core once it is installed.

// checkStateTransfer asks for a state transfer when f+1 peers executed a window or more beyond this replica,
// or when f+1 peers are ahead and this replica executed nothing for TransferStallTicks.
func (c *Core) checkStateTransfer() {
	if c.transferAskTick != 0 && c.tick-c.transferAskTick < uint64(c.cfg.TransferAskTicks) {
		return
	}
	far, ahead := 0, 0
	for i, p := range c.peers {
		if ReplicaID(i) == c.cfg.ID {
			continue
		}
		if p.lastExecuted >= c.lastExecuted+c.cfg.WindowSeqs() {
			far++
		}
		if p.lastExecuted > c.lastExecuted {
			ahead++
		}
	}
	stalled := c.tick-c.lastExecutedTick >= uint64(c.cfg.TransferStallTicks)
	if far >= c.cfg.F+1 || stalled && ahead >= c.cfg.F+1 {
		c.out.NeedStateTransfer = true
		c.transferAskTick = c.tick
	}
}
