package node

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/replica"
	bsync "github.com/sbftnet/sbft/sync"
	"github.com/sbftnet/sbft/wire"
)

// Byzantine is a test-only misbehaviour of a replica, for end-to-end tests; the zero value is an honest
// replica. The primary modes misbehave only while the replica is primary.
type Byzantine struct {
	// SilentPrimary: as primary, the replica never sends a PrePrepare (it stays connected and answers
	// everything else, so only the request timers can find it out).
	SilentPrimary bool
	// EquivocatingPrimary: as primary, the replica sends replicas with an odd index a PrePrepare whose batch
	// is in another order (properly signed), so no digest can gather a quorum.
	EquivocatingPrimary bool
	// CensorClient: as primary, the replica drops the transactions of this client (an Ed25519 public key).
	CensorClient *[32]byte
	// CorruptCheckpoints: the replica announces checkpoints over a wrong state root (properly signed).
	CorruptCheckpoints bool
	// CorruptBlocks and StallBlocks: as a state transfer source, the replica serves blocks whose
	// transactions do not match their headers, or answers too late.
	CorruptBlocks, StallBlocks bool
	// ForgeSubscription: the replica pushes its subscribers (client nodes) blocks from height 3 on whose
	// header claims another state root (the transactions and commit certificate stay genuine).
	ForgeSubscription bool
	// StallSubscription: the replica takes subscriptions and never pushes a block (withholding).
	StallSubscription bool
}

// subscribedBlock is what a subscriber is sent of an encoded block: itself, or a forgery.
func (b Byzantine) subscribedBlock(raw []byte) []byte {
	if !b.ForgeSubscription {
		return raw
	}
	blk, err := chain.UnmarshalBlock(raw)
	if err != nil || blk.Header.Height < 3 {
		return raw
	}
	blk.Header.StateRoot[0] ^= 0xff
	return blk.Marshal()
}

// ErrByzantineRefused is returned when a byzantine mode is asked for without the environment opt-in.
var ErrByzantineRefused = errors.New("byzantine test mode refused")

// ByzantineEnv must be set to 1 for ParseByzantine to accept a mode: a misbehaving replica is never one flag
// away from production.
const ByzantineEnv = "SBFT_ALLOW_BYZANTINE_TEST_MODE"

// ByzantineModes lists what ParseByzantine accepts.
var ByzantineModes = []string{"silent-primary", "equivocating-primary", "censor:<client public key, hex>", "corrupt-checkpoints", "corrupt-blocks", "stall-blocks", "forge-subscription", "stall-subscription"}

// ParseByzantine reads a mode; "" is honest.
func ParseByzantine(mode string) (Byzantine, error) {
	var b Byzantine
	if mode == "" {
		return b, nil
	}
	if os.Getenv(ByzantineEnv) != "1" {
		return b, fmt.Errorf("%w: set %s=1 to run a replica in byzantine mode %q (tests only)", ErrByzantineRefused, ByzantineEnv, mode)
	}
	switch {
	case mode == "silent-primary":
		b.SilentPrimary = true
	case mode == "equivocating-primary":
		b.EquivocatingPrimary = true
	case mode == "corrupt-checkpoints":
		b.CorruptCheckpoints = true
	case mode == "corrupt-blocks":
		b.CorruptBlocks = true
	case mode == "stall-blocks":
		b.StallBlocks = true
	case mode == "forge-subscription":
		b.ForgeSubscription = true
	case mode == "stall-subscription":
		b.StallSubscription = true
	case strings.HasPrefix(mode, "censor:"):
		raw, err := hex.DecodeString(strings.TrimPrefix(mode, "censor:"))
		if err != nil || len(raw) != 32 {
			return b, fmt.Errorf("%w: censor needs a 32-byte hex client key", ErrConfig)
		}
		b.CensorClient = (*[32]byte)(raw)
	default:
		return b, fmt.Errorf("%w: byzantine mode %q (one of %v)", ErrConfig, mode, ByzantineModes)
	}
	return b, nil
}

// Honest reports whether b asks for no misbehaviour.
func (b Byzantine) Honest() bool {
	return !b.SilentPrimary && !b.EquivocatingPrimary && b.CensorClient == nil && !b.CorruptCheckpoints &&
		!b.CorruptBlocks && !b.StallBlocks
}

// The modes are decorators around the parts a replica misbehaves through (its transport, its checkpoint
// announcer, its client intake, its blocks server), put in place by New only when a mode is set: no
// production path asks whether the replica is byzantine.

// byzantineTransport makes a primary silent or equivocating: it rewrites the PrePrepares this replica sends.
type byzantineTransport struct {
	replica.Transport
	mode    Byzantine
	id      uint32
	n       int
	chainID string
	signer  consensus.Signer
}

// wrapTransport returns t, decorated if the mode misbehaves as primary.
func (b Byzantine) wrapTransport(t replica.Transport, chainID string, id uint32, n int, signer consensus.Signer) replica.Transport {
	if !b.SilentPrimary && !b.EquivocatingPrimary {
		return t
	}
	return &byzantineTransport{Transport: t, mode: b, id: id, n: n, chainID: chainID, signer: signer}
}

func (t *byzantineTransport) Send(to uint32, frame []byte) bool {
	if out := t.rewrite(to, frame); out != nil {
		return t.Transport.Send(to, out)
	}
	return true
}

func (t *byzantineTransport) Broadcast(frame []byte) {
	for to := uint32(0); int(to) < t.n; to++ {
		if to != t.id {
			t.Send(to, frame)
		}
	}
}

// rewrite returns what goes to `to` instead of frame (nil: nothing). Only a primary sends PrePrepares, so a
// PrePrepare of this replica's is sent while it leads.
func (t *byzantineTransport) rewrite(to uint32, frame []byte) []byte {
	m, err := wire.UnmarshalMessage(frame)
	if err != nil || m.Type != consensus.MsgPrePrepare || m.From != t.id {
		return frame
	}
	switch {
	case t.mode.SilentPrimary:
		return nil
	case to%2 == 1 && len(m.Requests) >= 2:
		alt := *m
		alt.Requests = slices.Clone(m.Requests)
		slices.Reverse(alt.Requests)
		alt.Digest = consensus.BatchDigest(consensus.RequestDigests(alt.Requests))
		alt.Sig = t.signer.SignMessage(&alt)
		return wire.MarshalMessage(&alt)
	}
	return frame
}

// byzantineAnnouncer announces checkpoints over another state root, signed with this replica's keys: only
// the comparison with the stable checkpoint can tell.
type byzantineAnnouncer struct {
	replica.Announcer
	chainID  string
	signer   consensus.Signer
	shareKey *bls.SecretKey
}

// wrapAnnouncer returns a, decorated if the mode corrupts checkpoints.
func (b Byzantine) wrapAnnouncer(a replica.Announcer, chainID string, signer consensus.Signer, shareKey *bls.SecretKey) replica.Announcer {
	if !b.CorruptCheckpoints {
		return a
	}
	return &byzantineAnnouncer{Announcer: a, chainID: chainID, signer: signer, shareKey: shareKey}
}

func (b *byzantineAnnouncer) AnnounceCheckpoint(a *wire.CheckpointAnnouncement) {
	a.StateRoot[0] ^= 0xff
	m := a.Message(b.chainID)
	a.Share = b.shareKey.Sign(wire.ShareSigningBytes(b.chainID, consensus.CertCheckpoint, 0, a.Seq, m.Digest)).Bytes()
	m.Share = a.Share
	a.Sig = b.signer.SignMessage(m)
	b.Announcer.AnnounceCheckpoint(a)
}

// Input is what feeds a replica's driver: client transactions and verified messages.
type Input interface {
	Submit(replica.Intake)
	Step(*consensus.Message)
}

// Input returns d, or in the censoring mode a decorator that drops the censored client's transactions,
// submitted or forwarded by backups, while the replica is primary.
func (b Byzantine) Input(d *replica.Driver) Input {
	if b.CensorClient == nil {
		return d
	}
	return &censoringInput{Driver: d, client: *b.CensorClient}
}

type censoringInput struct {
	*replica.Driver
	client [32]byte
}

func (c *censoringInput) Submit(in replica.Intake) {
	if c.isPrimaryNow() && in.Tx.Client == c.client {
		return // the client never hears back from this primary
	}
	c.Driver.Submit(in)
}

func (c *censoringInput) Step(m *consensus.Message) {
	if m.Type == wire.FrameRequest && c.isPrimaryNow() {
		kept := *m
		kept.Requests, kept.ReqDigests = nil, nil
		for i, raw := range m.Requests {
			if tx, err := chain.UnmarshalTx(raw); err == nil && tx.Client == c.client {
				continue
			}
			kept.Requests, kept.ReqDigests = append(kept.Requests, raw), append(kept.ReqDigests, m.ReqDigests[i])
		}
		m = &kept
	}
	c.Driver.Step(m)
}

// blocksHandler is the blocks protocol's server, decorated by the state-transfer source modes: a source
// that answers too late, or serves blocks whose transactions do not match their headers.
func (b Byzantine) blocksHandler(store chain.Store) func(peer.ID, []byte) ([][]byte, error) {
	return func(_ peer.ID, req []byte) ([][]byte, error) {
		q, err := wire.UnmarshalBlocksRequest(req)
		if err != nil {
			return nil, err
		}
		if b.StallBlocks {
			time.Sleep(bsync.RequestTimeoutDefault + time.Second)
		}
		if b.CorruptBlocks {
			store = corruptingStore{store}
		}
		return bsync.BlocksAnswer(store, q.From, q.To)
	}
}

func (c *censoringInput) isPrimaryNow() bool {
	st := c.Driver.Status()
	return st.Primary == st.Replica
}

// corruptingStore serves every block with a transaction added (a byzantine state-transfer source): its header
// no longer matches its transactions.
type corruptingStore struct{ chain.Store }

func (s corruptingStore) Get(key []byte) ([]byte, error) {
	raw, err := s.Store.Get(key)
	blockKey := chain.BlockKey(0)
	prefix := blockKey[:len(blockKey)-8]
	if err != nil || len(key) != len(blockKey) || !bytes.HasPrefix(key, prefix) {
		return raw, err
	}
	return corruptBlock(raw), nil
}

// corruptBlock replaces a block's transactions: its header no longer matches.
func corruptBlock(raw []byte) []byte {
	blk, err := chain.UnmarshalBlock(raw)
	if err != nil {
		return raw
	}
	blk.Txs = append(blk.Txs, []byte("forged by a byzantine source"))
	return blk.Marshal()
}
