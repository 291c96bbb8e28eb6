package wire

import (
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/be"
)

// BlockReply is a replica's one answer to one client session about one block (the SBFT paper's "one message
// carrying the execution certificate" instead of f+1 replies): the block's header and execution certificate
// once, then each of that session's results in the block with its Merkle path to the header's results root.
// A client accepts every result in it on its own, after one certificate check per block.
//
//	kind(1)=3 replica(4) primary(4) header(chain.HeaderBytes) signers sigLen(1) sig count(4) nEntries(2)
//	  { index(4) resultLen(4) result(chain.Result bytes) nSiblings(1) { sibling(32) } }
//
// signers is the signer bitmap (signers.go).
// A session with more results in a block than one frame holds (BlockReplyFrameBytesMax) gets several frames,
// each complete on its own.
type BlockReply struct {
	Replica uint32
	// Primary is the primary as the answering replica sees it: where the client sends its next transactions. A
	// hint only (a faulty replica may lie; the client's resend timeout covers that).
	Primary uint32
	Header  []byte
	Signers consensus.ReplicaSet
	Sig     []byte
	Count   uint32 // results in the block
	Entries []BlockReplyEntry
}

// BlockReplyEntry is one result of a BlockReply, at Index among the block's Count results.
type BlockReplyEntry struct {
	Index    uint32
	Result   []byte
	Siblings [][32]byte
}

func (b *BlockReply) headBytes() int {
	return blockReplyFixedBytes + SignersBytes(b.Signers) + len(b.Sig)
}

func (e *BlockReplyEntry) size() int {
	return blockReplyEntryFixedBytes + len(e.Result) + 32*len(e.Siblings)
}

// Encode frames the reply: one frame, or several when its entries do not fit in BlockReplyFrameBytesMax.
func (b *BlockReply) Encode() [][]byte {
	var frames [][]byte
	for lo := 0; lo < len(b.Entries) || lo == 0; {
		hi, size := lo, b.headBytes()
		for hi < len(b.Entries) && (hi == lo || size+b.Entries[hi].size() <= BlockReplyFrameBytesMax) {
			size += b.Entries[hi].size()
			hi++
		}
		frames = append(frames, b.encodeFrame(b.Entries[lo:hi], size))
		if hi == len(b.Entries) {
			break
		}
		lo = hi
	}
	return frames
}

func (b *BlockReply) encodeFrame(entries []BlockReplyEntry, size int) []byte {
	f := make([]byte, 0, size)
	f = append(f, frameBlockReply)
	f = be.AppendU32(be.AppendU32(f, b.Replica), b.Primary)
	f = append(f, b.Header...)
	f = AppendSigners(f, b.Signers)
	f = be.AppendLenBytes8(f, b.Sig)
	f = be.AppendU32(f, b.Count)
	f = be.AppendU16(f, uint16(len(entries)))
	for _, e := range entries {
		f = be.AppendU32(f, e.Index)
		f = be.AppendLenBytes32(f, e.Result)
		f = append(f, byte(len(e.Siblings)))
		for _, s := range e.Siblings {
			f = append(f, s[:]...)
		}
	}
	return f
}

// IsBlockReply reports whether a frame on the transaction session is a BlockReply (else it is a Reply).
func IsBlockReply(frame []byte) bool { return len(frame) > 0 && frame[0] == frameBlockReply }

// DecodeBlockReply parses one BlockReply frame; it never panics on bad bytes.
func DecodeBlockReply(f []byte) (*BlockReply, error) {
	if len(f) < blockReplyFixedBytes+SignersBytesMin || f[0] != frameBlockReply || len(f) > BlockReplyFrameBytesMax {
		return nil, errorf(ErrMalformedFrame, "block reply of %d bytes", len(f))
	}
	r := be.NewReader(f[1:], ErrMalformedFrame)
	b := &BlockReply{Replica: r.U32(), Primary: r.U32(), Header: r.BytesCopy(chain.HeaderBytes), Signers: ReadSigners(r)}
	b.Sig = r.LenBytes8(0xff)
	b.Count = r.U32()
	n := int(r.U16())
	if err := r.Err(); err != nil {
		return nil, errorf(ErrMalformedFrame, "truncated block reply")
	}
	// Every entry takes at least its fixed bytes: n cannot make us allocate beyond what the frame holds.
	if n*blockReplyEntryFixedBytes > r.Left() {
		return nil, errorf(ErrMalformedFrame, "block reply of %d entries in %d bytes", n, r.Left())
	}
	b.Entries = make([]BlockReplyEntry, n)
	for i := range b.Entries {
		e := &b.Entries[i]
		e.Index = r.U32()
		l := int(r.U32())
		if l > chain.ResultBytesMax || l > r.Left() {
			return nil, errorf(ErrMalformedFrame, "block reply result of %d bytes", l)
		}
		e.Result = r.BytesCopy(l)
		k := int(r.U8())
		if k > ExecProofSiblingsMax || 32*k > r.Left() {
			return nil, errorf(ErrMalformedFrame, "block reply path of %d siblings", k)
		}
		e.Siblings = make([][32]byte, k)
		for j := range e.Siblings {
			e.Siblings[j] = r.Hash32()
		}
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return b, nil
}

// Replies are the entries as stand-alone proven Replies, for code that takes results one at a time; it checks
// nothing but skips an entry whose result does not decode (no transaction to match it to).
func (b *BlockReply) Replies() []*Reply {
	out := make([]*Reply, 0, len(b.Entries))
	for i := range b.Entries {
		if res, err := chain.UnmarshalResult(b.Entries[i].Result); err == nil {
			out = append(out, b.Reply(i, res.TxHash))
		}
	}
	return out
}

// Reply is entry i as a stand-alone proven Reply for transaction txHash; it checks nothing.
func (b *BlockReply) Reply(i int, txHash [32]byte) *Reply {
	e := &b.Entries[i]
	p := ExecProof{Header: b.Header, Signers: b.Signers, Sig: b.Sig, Index: e.Index, Count: b.Count, Siblings: e.Siblings}
	return &Reply{TxHash: txHash, Replica: b.Replica, Status: StatusProven, Result: e.Result, Proof: p.Encode()}
}
