package chain

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Header is a block's header; its hash links the chain.
type Header struct {
	Height    uint64
	Seq       uint64 // consensus sequence number that ordered the block
	View      uint64
	Parent    [32]byte
	TxRoot    [32]byte
	StateRoot [32]byte // after executing the block
}

const headerBytes = 8 + 8 + 8 + 32 + 32 + 32

// Marshal encodes h (fixed width).
func (h *Header) Marshal() []byte {
	b := make([]byte, 0, headerBytes)
	b = binary.BigEndian.AppendUint64(b, h.Height)
	b = binary.BigEndian.AppendUint64(b, h.Seq)
	b = binary.BigEndian.AppendUint64(b, h.View)
	b = append(b, h.Parent[:]...)
	b = append(b, h.TxRoot[:]...)
	return append(b, h.StateRoot[:]...)
}

// UnmarshalHeader decodes b.
func UnmarshalHeader(b []byte) (Header, error) {
	var h Header
	if len(b) != headerBytes {
		return h, fmt.Errorf("%w: header of %d bytes", ErrMalformedBlock, len(b))
	}
	h.Height = binary.BigEndian.Uint64(b)
	h.Seq = binary.BigEndian.Uint64(b[8:])
	h.View = binary.BigEndian.Uint64(b[16:])
	copy(h.Parent[:], b[24:56])
	copy(h.TxRoot[:], b[56:88])
	copy(h.StateRoot[:], b[88:120])
	return h, nil
}

// Hash identifies the block.
func (h *Header) Hash() [32]byte { return sha256.Sum256(h.Marshal()) }

// Block is a header and the raw transactions it ordered.
type Block struct {
	Header Header
	Txs    [][]byte
}

// Marshal encodes b: header, count(4), { len(4) tx }.
func (b *Block) Marshal() []byte {
	size := headerBytes + 4
	for _, tx := range b.Txs {
		size += 4 + len(tx)
	}
	out := append(make([]byte, 0, size), b.Header.Marshal()...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(b.Txs)))
	for _, tx := range b.Txs {
		out = binary.BigEndian.AppendUint32(out, uint32(len(tx)))
		out = append(out, tx...)
	}
	return out
}

// UnmarshalBlock decodes raw strictly; it never panics.
func UnmarshalBlock(raw []byte) (*Block, error) {
	if len(raw) < headerBytes+4 || len(raw) > BlockBytesMax {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformedBlock, len(raw))
	}
	h, _ := UnmarshalHeader(raw[:headerBytes])
	rest := raw[headerBytes:]
	n := int(binary.BigEndian.Uint32(rest))
	rest = rest[4:]
	if n > BlockTxsMax || n*4 > len(rest) {
		return nil, fmt.Errorf("%w: %d transactions", ErrMalformedBlock, n)
	}
	blk := &Block{Header: h, Txs: make([][]byte, 0, n)}
	for i := 0; i < n; i++ {
		if len(rest) < 4 {
			return nil, fmt.Errorf("%w: truncated", ErrMalformedBlock)
		}
		l := int(binary.BigEndian.Uint32(rest))
		rest = rest[4:]
		if l > len(rest) {
			return nil, fmt.Errorf("%w: truncated transaction", ErrMalformedBlock)
		}
		blk.Txs = append(blk.Txs, append([]byte(nil), rest[:l]...))
		rest = rest[l:]
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrMalformedBlock, len(rest))
	}
	return blk, nil
}

// TxRoot is the binary Merkle root over the transactions' hashes (an odd node is promoted; empty: zero).
func TxRoot(txs [][]byte) [32]byte {
	if len(txs) == 0 {
		return [32]byte{}
	}
	level := make([][32]byte, len(txs))
	for i, tx := range txs {
		level[i] = TxHash(tx)
	}
	var buf [65]byte
	buf[0] = 0x01
	for len(level) > 1 {
		next := level[:0]
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				continue
			}
			copy(buf[1:], level[i][:])
			copy(buf[33:], level[i+1][:])
			next = append(next, sha256.Sum256(buf[:]))
		}
		level = next
	}
	return level[0]
}
