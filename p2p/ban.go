package p2p

import (
	"time"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Ban disconnects peer p and refuses its connections until d has passed (a peer that keeps sending what fails
// its checks). Replicas are never banned: a faulty replica is the protocol's to tolerate, and cutting it off
// could cost a quorum. At most BannedPeersMax bans are held; beyond that the one ending first is dropped.
func (hs *Host) Ban(p peer.ID, d time.Duration) {
	if hs.IsReplica(p) {
		return
	}
	now := time.Now()
	hs.banMu.Lock()
	if len(hs.banned) >= BannedPeersMax {
		hs.dropEarliestBanLocked(now)
	}
	hs.banned[p] = now.Add(d)
	hs.banMu.Unlock()
	hs.metrics.rejected("banned")
	hs.peerLog.Warn("ban", "disconnected and banned a peer", "peer", p, "for", d)
	hs.h.Network().ClosePeer(p)
}

// isBanned reports whether p is banned now.
func (hs *Host) isBanned(p peer.ID) bool {
	hs.banMu.Lock()
	defer hs.banMu.Unlock()
	until, ok := hs.banned[p]
	if ok && !time.Now().Before(until) {
		delete(hs.banned, p)
		ok = false
	}
	return ok
}

// dropEarliestBanLocked drops expired bans, or if none expired the one that ends first.
func (hs *Host) dropEarliestBanLocked(now time.Time) {
	var first peer.ID
	var firstEnd time.Time
	for p, until := range hs.banned {
		if !now.Before(until) {
			delete(hs.banned, p)
			continue
		}
		if first == "" || until.Before(firstEnd) {
			first, firstEnd = p, until
		}
	}
	if len(hs.banned) >= BannedPeersMax {
		delete(hs.banned, first)
	}
}
