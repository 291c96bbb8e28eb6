package sync

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/mutant"
)

// ErrBadBlocks is the verdict on a response that does not verify.
var ErrBadBlocks = errors.New("blocks do not verify")

// BadSourceError names the source whose block did not verify (it may not be the one whose answer was just
// delivered: verification runs down the chain over buffered blocks).
type BadSourceError struct {
	Source SourceID
	Height uint64
}

func (e *BadSourceError) Error() string {
	return fmt.Sprintf("%v: block %d from source %d does not match the hash chain", ErrBadBlocks, e.Height, e.Source)
}

func (e *BadSourceError) Unwrap() error { return ErrBadBlocks }

// SourceID names a source of blocks (a replica index).
type SourceID = uint32

// Target is the trusted end of a transfer: the last block of a stable checkpoint.
type Target struct {
	Height    uint64
	BlockHash [32]byte
}

// Config bounds a transfer.
type Config struct {
	ChunkBlocks       int           // blocks per request
	InFlightPerSource int           // requests in flight per source
	BufferBlocksMax   int           // blocks fetched but not yet verified (out of order)
	RequestTimeout    time.Duration // a request not answered in this time fails its source
	PenaltyDuration   time.Duration // a failed source is not asked again for this long
}

// DefaultConfig returns the bounds the node uses.
func DefaultConfig() Config {
	return Config{ChunkBlocks: ChunkBlocksDefault, InFlightPerSource: InFlightPerSourceDefault,
		BufferBlocksMax: BufferBlocksMaxDefault, RequestTimeout: RequestTimeoutDefault, PenaltyDuration: PenaltyDefault}
}

// Request asks Source for the blocks From..To (inclusive, ascending in the answer).
type Request struct {
	ID       uint64
	Source   SourceID
	From, To uint64
}

// Block is a fetched block with the commit certificate the source stored next to it (opaque here).
type Block struct {
	Block *chain.Block
	Cert  []byte
}

type chunk struct{ from, to uint64 }

type source struct {
	inFlight   int
	badUntil   time.Time
	blocks     uint64 // blocks it delivered that verified or are buffered
	failures   int
	rate       float64 // blocks per second, EWMA over its answers
	lastAnswer time.Duration
}

type pending struct {
	req    Request
	sentAt time.Time
}

// Planner is the pure core of a state transfer: it splits the missing range into chunks, hands them to
// sources (fastest first, a bounded number in flight each), verifies what arrives against the hash chain
// from the trusted target down (a block is accepted once the block above it names its hash as parent),
// buffers out-of-order arrivals within a bound, and gives the chunks of failed or lying sources to others.
// It has no clock or I/O: the caller passes the time and carries out the requests.
type Planner struct {
	cfg      Config
	target   Target
	base     uint64 // the highest height the replica already has; blocks base+1..target are fetched
	sources  map[SourceID]*source
	todo     []chunk // not assigned, highest first
	inFlight map[uint64]pending
	nextID   uint64

	buffered map[uint64]Block    // fetched, above nothing verified yet
	from     map[uint64]SourceID // who sent each buffered block
	frontier uint64              // lowest verified height (target+1: none yet)
	want     [32]byte            // the hash block frontier-1 must have
	verified []Block             // descending from the target
	// delivered chunks by their top height, with their source, until verified
	delivered map[uint64]deliveredChunk
}

type deliveredChunk struct {
	chunk  chunk
	source SourceID
}

// NewPlanner plans fetching blocks base+1..t.Height from sources.
func NewPlanner(cfg Config, t Target, base uint64, sources []SourceID) (*Planner, error) {
	if t.Height <= base || len(sources) == 0 || cfg.ChunkBlocks < 1 || cfg.InFlightPerSource < 1 ||
		cfg.BufferBlocksMax < cfg.ChunkBlocks {
		return nil, fmt.Errorf("sync plan: target %d, base %d, %d sources, config %+v", t.Height, base, len(sources), cfg)
	}
	p := &Planner{cfg: cfg, target: t, base: base, sources: map[SourceID]*source{}, inFlight: map[uint64]pending{},
		buffered: map[uint64]Block{}, from: map[uint64]SourceID{}, delivered: map[uint64]deliveredChunk{}, frontier: t.Height + 1, want: t.BlockHash}
	for _, s := range sources {
		p.sources[s] = &source{}
	}
	for hi := t.Height; hi > base; {
		lo := base + 1
		if hi-base > uint64(cfg.ChunkBlocks) {
			lo = hi - uint64(cfg.ChunkBlocks) + 1
		}
		p.todo = append(p.todo, chunk{lo, hi})
		hi = lo - 1
	}
	return p, nil
}

// Done reports whether every block is verified.
func (p *Planner) Done() bool { return p.frontier == p.base+1 }

// Verified returns the verified blocks in ascending order (complete once Done).
func (p *Planner) Verified() []Block {
	p.assertOnChain()
	out := slices.Clone(p.verified)
	slices.Reverse(out)
	return out
}

// assertOnChain asserts that the verified blocks are the hash chain that ends at the target: the target's hash
// at its height, then each block the parent the block above it names. The planted bug TransferHashChain
// breaks this rule in linked; the simulator's checkers, not this assert, must show it.
func (p *Planner) assertOnChain() {
	if mutant.On(mutant.TransferHashChain) {
		return
	}
	want, height := p.target.BlockHash, p.target.Height
	for _, b := range p.verified {
		hdr := b.Block.Header
		hash := hdr.Hash()
		assert(hdr.Height == height && hash == want, "verified block %d (hash %x) is not block %d of the chain to target %d",
			hdr.Height, hash[:4], height, p.target.Height)
		want, height = hdr.Parent, height-1
	}
	assert(height >= p.base, "%d blocks verified down from the target %d, past the base %d", len(p.verified), p.target.Height, p.base)
}

// Next returns the requests to send now.
func (p *Planner) Next(now time.Time) []Request {
	var out []Request
	for len(p.todo) > 0 {
		c := p.todo[0]
		// Stay within the buffer: nothing far below what is verified.
		if p.frontier > c.to && p.frontier-1-c.from >= uint64(p.cfg.BufferBlocksMax) {
			break
		}
		id, ok := p.pickSource(now)
		if !ok {
			break
		}
		p.todo = p.todo[1:]
		p.nextID++
		r := Request{ID: p.nextID, Source: id, From: c.from, To: c.to}
		p.inFlight[r.ID] = pending{req: r, sentAt: now}
		p.sources[id].inFlight++
		assert(p.sources[id].inFlight <= p.cfg.InFlightPerSource, "source %d has %d requests in flight, at most %d",
			id, p.sources[id].inFlight, p.cfg.InFlightPerSource)
		out = append(out, r)
	}
	return out
}

// pickSource returns the usable source with room, best measured rate first (unmeasured ones count as fast,
// so every source gets tried), lowest ID on ties.
func (p *Planner) pickSource(now time.Time) (SourceID, bool) {
	best, found := SourceID(0), false
	for id, s := range p.sources {
		if s.inFlight >= p.cfg.InFlightPerSource || now.Before(s.badUntil) {
			continue
		}
		if !found || rank(s) > rank(p.sources[best]) || (rank(s) == rank(p.sources[best]) && id < best) {
			best, found = id, true
		}
	}
	return best, found
}

func rank(s *source) float64 {
	if s.blocks == 0 {
		return 1e18 // unmeasured: try it
	}
	return s.rate / float64(1+s.inFlight)
}

// Expire fails requests older than the timeout; it returns how many.
func (p *Planner) Expire(now time.Time) int {
	n := 0
	for id, pd := range p.inFlight {
		if now.Sub(pd.sentAt) >= p.cfg.RequestTimeout {
			p.fail(now, id)
			n++
		}
	}
	return n
}

// Fail records that a request failed (the source did not answer, refused, or lacks the blocks).
func (p *Planner) Fail(now time.Time, id uint64) { p.fail(now, id) }

func (p *Planner) fail(now time.Time, id uint64) {
	pd, ok := p.inFlight[id]
	if !ok {
		return
	}
	delete(p.inFlight, id)
	s := p.sources[pd.req.Source]
	s.inFlight--
	assert(s.inFlight >= 0, "source %d has %d requests in flight", pd.req.Source, s.inFlight)
	s.failures++
	s.badUntil = now.Add(p.cfg.PenaltyDuration)
	p.requeue(chunk{pd.req.From, pd.req.To})
}

func (p *Planner) requeue(c chunk) {
	p.todo = append(p.todo, c)
	slices.SortFunc(p.todo, func(a, b chunk) int {
		switch {
		case a.to > b.to:
			return -1
		case a.to < b.to:
			return 1
		}
		return 0
	})
}

// Deliver takes the answer to request id. An answer that is not exactly the asked range, or whose blocks
// turn out not to verify, fails its source; the error says why.
func (p *Planner) Deliver(now time.Time, id uint64, blocks []Block) error {
	pd, ok := p.inFlight[id]
	if !ok {
		return nil // expired and reassigned already
	}
	r := pd.req
	if err := checkRange(r, blocks); err != nil {
		p.fail(now, id)
		return err
	}
	delete(p.inFlight, id)
	s := p.sources[r.Source]
	s.inFlight--
	assert(s.inFlight >= 0, "source %d has %d requests in flight", r.Source, s.inFlight)
	s.blocks += uint64(len(blocks))
	if d := now.Sub(pd.sentAt); d > 0 {
		r := float64(len(blocks)) / d.Seconds()
		if s.rate == 0 {
			s.rate = r
		} else {
			s.rate += (r - s.rate) / 4
		}
	}
	for _, b := range blocks {
		h := b.Block.Header.Height
		if h < p.frontier {
			p.buffered[h] = b
			p.from[h] = r.Source
		}
	}
	// Next asks only for chunks within BufferBlocksMax of the frontier, which only descends.
	assert(len(p.buffered) <= p.cfg.BufferBlocksMax, "%d blocks held unverified, at most %d", len(p.buffered), p.cfg.BufferBlocksMax)
	p.delivered[r.To] = deliveredChunk{chunk{r.From, r.To}, r.Source}
	return p.advance(now)
}

func checkRange(r Request, blocks []Block) error {
	if uint64(len(blocks)) != r.To-r.From+1 {
		return fmt.Errorf("%w: %d blocks for %d..%d", ErrBadBlocks, len(blocks), r.From, r.To)
	}
	for i, b := range blocks {
		if b.Block == nil || b.Block.Header.Height != r.From+uint64(i) {
			return fmt.Errorf("%w: block %d out of place", ErrBadBlocks, i)
		}
	}
	return nil
}

// advance verifies buffered blocks down from the frontier; a block that does not match the hash chain (or
// whose transactions do not match its header) is dropped with its whole chunk and its source penalized.
func (p *Planner) advance(now time.Time) error {
	for p.frontier > p.base+1 {
		h := p.frontier - 1
		b, ok := p.buffered[h]
		if !ok {
			return nil
		}
		src := p.from[h]
		delete(p.buffered, h)
		delete(p.from, h)
		hdr := b.Block.Header
		if !p.linked(hdr) || chain.TxRoot(b.Block.Txs) != hdr.TxRoot {
			p.rejectFrom(now, src)
			return &BadSourceError{Source: src, Height: h}
		}
		p.verified = append(p.verified, b)
		p.want = hdr.Parent
		p.frontier = h
		for to, d := range p.delivered {
			if d.chunk.from >= h && to >= h {
				delete(p.delivered, to) // fully verified
			}
		}
	}
	return nil
}

// linked reports whether hdr is the block the chain verified so far expects next: the target itself, or the
// parent named by the block above it.
func (p *Planner) linked(hdr chain.Header) bool {
	if mutant.On(mutant.TransferHashChain) && hdr.Height != p.target.Height {
		return true
	}
	return hdr.Hash() == p.want
}

// rejectFrom penalizes src and refetches, from others, the unverified part of every chunk it delivered.
func (p *Planner) rejectFrom(now time.Time, src SourceID) {
	s := p.sources[src]
	s.failures++
	s.badUntil = now.Add(p.cfg.PenaltyDuration)
	s.blocks, s.rate = 0, 0
	for to, d := range p.delivered {
		if d.source != src {
			continue
		}
		delete(p.delivered, to)
		if d.chunk.from >= p.frontier {
			continue // verified already
		}
		c := chunk{d.chunk.from, min(d.chunk.to, p.frontier-1)}
		for h := c.from; h <= c.to; h++ {
			delete(p.buffered, h)
			delete(p.from, h)
		}
		p.requeue(c)
	}
}

// Progress is a snapshot for logs and status.
type Progress struct {
	Target, Base, Verified, Buffered uint64
	InFlight                         int
	PerSource                        map[SourceID]SourceProgress
}

// SourceProgress is one source's share of a transfer.
type SourceProgress struct {
	Blocks      uint64  `json:"blocks"`
	RateBlocksS float64 `json:"rate_blocks_per_s"`
	Failures    int     `json:"failures"`
}

// Progress returns how far the transfer is.
func (p *Planner) Progress() Progress {
	pr := Progress{Target: p.target.Height, Base: p.base, Verified: uint64(len(p.verified)),
		Buffered: uint64(len(p.buffered)), InFlight: len(p.inFlight), PerSource: map[SourceID]SourceProgress{}}
	for id, s := range p.sources {
		pr.PerSource[id] = SourceProgress{Blocks: s.blocks, RateBlocksS: s.rate, Failures: s.failures}
	}
	return pr
}
