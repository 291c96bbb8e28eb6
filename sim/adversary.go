package sim

import (
	"crypto/ed25519"
	"fmt"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// Role is how a replica behaves. A byzantine replica runs the real driver, and an adversary rewrites what it
// sends: it holds the replica's key, so it can sign anything.
type Role int

// Roles.
const (
	Honest      Role = iota
	Silent           // sends nothing
	BadSigner        // corrupts signatures
	Malformed        // sends garbage frames
	Replayer         // re-sends old messages alongside new ones
	Equivocator      // sends different PrePrepares or votes to different replicas
	Censor           // as primary, drops client 0's transactions (the node's test-only byzantine mode)
	Colluder         // one of f replicas that collude to break safety (coalition.go)
	rolesEnd
)

func (r Role) String() string {
	return [...]string{"honest", "silent", "bad-signer", "malformed", "replayer", "equivocator", "censor", "colluder"}[r]
}

// adversary rewrites the outgoing frames of one byzantine replica.
type adversary struct {
	w      *world
	id     uint32
	role   Role
	key    ed25519.PrivateKey
	blsKey *bls.SecretKey
	old    [][]byte // frames sent before, for replay (bounded)
	active bool     // false: behaves
}

const replayKeepMax = 256

// rewrite returns the frames to put on the wire towards `to` instead of frame.
func (a *adversary) rewrite(to uint32, frame []byte) [][]byte {
	if !a.active {
		return [][]byte{frame}
	}
	rng := a.w.rng
	switch a.role {
	case Silent:
		return nil
	case BadSigner:
		if rng.IntN(2) == 0 {
			return [][]byte{a.corrupt(frame)}
		}
	case Malformed:
		if rng.IntN(2) == 0 {
			junk := make([]byte, rng.IntN(len(frame)+1))
			for i := range junk {
				junk[i] = byte(rng.UintN(256))
			}
			if len(junk) > 1 && rng.IntN(2) == 0 {
				copy(junk, frame[:2]) // a plausible header over garbage
			}
			return [][]byte{junk}
		}
	case Replayer:
		out := [][]byte{frame}
		if len(a.old) > 0 && rng.IntN(2) == 0 {
			out = append(out, a.old[rng.IntN(len(a.old))])
		}
		if len(a.old) < replayKeepMax {
			a.old = append(a.old, frame)
		} else {
			a.old[rng.IntN(replayKeepMax)] = frame
		}
		return out
	case Equivocator:
		return [][]byte{a.equivocate(to, frame)}
	case Colluder:
		return a.w.coal.rewrite(a.id, to, frame)
	}
	return [][]byte{frame}
}

// corrupt breaks a signature: a certificate share's (with a valid envelope, so only the collector's aggregate
// check catches it) or else the envelope's.
func (a *adversary) corrupt(frame []byte) []byte {
	if m, err := wire.UnmarshalMessage(frame); err == nil && len(m.Share) > 0 {
		m.Share = a.blsKey.Sign([]byte("not the slot")).Bytes()
		m.Sig = ed25519.Sign(a.key, wire.MessageSigningBytes(chainID, m))
		return wire.MarshalMessage(m)
	}
	bad := append([]byte(nil), frame...)
	bad[len(bad)-1] ^= 0x01
	return bad
}

// equivocate sends replicas with an odd index a conflicting version of a third of the PrePrepares and
// votes: the batch reversed or cut short, or a vote for another digest, each properly signed.
func (a *adversary) equivocate(to uint32, frame []byte) []byte {
	if to%2 == 0 || a.w.rng.IntN(3) != 0 {
		return frame
	}
	m, err := wire.UnmarshalMessage(frame)
	if err != nil {
		return frame
	}
	switch m.Type {
	case consensus.MsgPrePrepare:
		if len(m.Requests) < 2 {
			return frame
		}
		reqs := append([][]byte(nil), m.Requests...)
		reqs[0], reqs[len(reqs)-1] = reqs[len(reqs)-1], reqs[0]
		m.Requests = reqs
		m.Digest = consensus.BatchDigest(consensus.RequestDigests(reqs))
	case consensus.MsgPartialCommit, consensus.MsgPreparePart, consensus.MsgCommitPart:
		// A share for another digest, properly signed with the replica's keys.
		m.Digest[0] ^= 0xff
		kind := map[consensus.MsgType]consensus.CertKind{consensus.MsgPartialCommit: consensus.CertFast,
			consensus.MsgPreparePart: consensus.CertPrepare, consensus.MsgCommitPart: consensus.CertCommit}[m.Type]
		m.Share = a.blsKey.Sign(wire.ShareSigningBytes(chainID, kind, m.View, m.Seq, m.Digest)).Bytes()
	default:
		return frame
	}
	m.Sig = ed25519.Sign(a.key, wire.MessageSigningBytes(chainID, m))
	return wire.MarshalMessage(m)
}

func (a *adversary) String() string { return fmt.Sprintf("%d:%v", a.id, a.role) }
