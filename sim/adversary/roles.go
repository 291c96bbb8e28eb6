package adversary

import (
	"crypto/ed25519"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// Role is how a replica behaves. A byzantine replica runs the real driver, and its adversary rewrites what it
// sends: it holds the replica's keys, so it can sign anything.
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
)

func (r Role) String() string {
	return [...]string{"honest", "silent", "bad-signer", "malformed", "replayer", "equivocator", "censor", "colluder"}[r]
}

const replayKeepMax = 256

// rewrite returns the frames to put on the wire towards `to` instead of frame.
func (a *Adversary) rewrite(to uint32, frame []byte) [][]byte {
	rng := a.cfg.Rand
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
		return a.co.rewrite(a.id, to, frame)
	}
	return [][]byte{frame}
}

// corrupt breaks a signature: a certificate share's (with a valid envelope, so only the collector's aggregate
// check catches it) or else the envelope's.
func (a *Adversary) corrupt(frame []byte) []byte {
	if m, err := wire.UnmarshalMessage(frame); err == nil && len(m.Share) > 0 {
		m.Share = a.keys.Share.Sign([]byte("not the slot")).Bytes()
		m.Sig = ed25519.Sign(a.keys.Sign, wire.MessageSigningBytes(a.cfg.ChainID, m))
		return wire.MarshalMessage(m)
	}
	bad := append([]byte(nil), frame...)
	bad[len(bad)-1] ^= 0x01
	return bad
}

// equivocate sends replicas with an odd index a conflicting version of a third of the PrePrepares and
// votes: the batch reversed or cut short, or a vote for another digest, each properly signed.
func (a *Adversary) equivocate(to uint32, frame []byte) []byte {
	if to%2 == 0 || a.cfg.Rand.IntN(3) != 0 {
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
		m.Share = a.keys.Share.Sign(wire.ShareSigningBytes(a.cfg.ChainID, kind, m.View, m.Seq, m.Digest)).Bytes()
	default:
		return frame
	}
	m.Sig = ed25519.Sign(a.keys.Sign, wire.MessageSigningBytes(a.cfg.ChainID, m))
	return wire.MarshalMessage(m)
}
