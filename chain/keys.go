package chain

import "github.com/sbftnet/sbft/wire/be"

// The key schema of the whole project's store: a one-byte prefix, then fixed-width big-endian fields, so byte
// order is numeric order and every range has trivial bounds.
//
//	0x01 height(8)            -> block (Block.Marshal)
//	0x02 height(8)            -> commit certificate of that block (opaque, written by the node)
//	0x03 smtKey(32)           -> KV entry: version(8) keyLen(2) key value; smtKey = sha256(0x01||key)
//	0x04 clientPub(32)        -> nonce state of a client
//	0x05 name                 -> meta: last header, schema version, network (genesis ID, chain ID)
//	0x06 height(8)            -> execution certificate of that block (opaque, written by the node)
//	0x07 height(8)            -> outcomes of that block's transactions (Outcomes; client nodes only)
//	0x10 seq(8) kind(1)       -> consensus log record (opaque, written by the node)
//	0x11                      -> consensus hard state (opaque, written by the node)
//	0x12                      -> last stable checkpoint certificate (opaque, written by the node)
const (
	prefixBlock        byte = 0x01
	prefixCert         byte = 0x02
	prefixKV           byte = 0x03
	prefixNonce        byte = 0x04
	prefixMeta         byte = 0x05
	prefixExecCert     byte = 0x06
	prefixOutcomes     byte = 0x07
	prefixConsensusLog byte = 0x10
	prefixHardState    byte = 0x11
	prefixStable       byte = 0x12
)

// SchemaVersion is stored under the meta key "schema"; a store of another version is refused.
// 2: quorum certificates are BLS aggregates; 3: headers carry a results root; 4: no view in headers; 5: stored
// certificates and hard state are wire encoding version 4 (variable-length signer bitmaps); 6: wire encoding
// version 5 (a NewView in the hard state carries its evidence in tables).
const SchemaVersion = 6

func keyU64(prefix byte, n uint64) []byte {
	return be.AppendU64([]byte{prefix}, n)
}

// BlockKey is the key of the block at height h.
func BlockKey(h uint64) []byte { return keyU64(prefixBlock, h) }

// CertKey is the key of the commit certificate of the block at height h.
func CertKey(h uint64) []byte { return keyU64(prefixCert, h) }

// ExecCertKey is the key of the execution certificate of the block at height h.
func ExecCertKey(h uint64) []byte { return keyU64(prefixExecCert, h) }

// OutcomesKey is the key of the outcomes of the block at height h (client nodes).
func OutcomesKey(h uint64) []byte { return keyU64(prefixOutcomes, h) }

// KVKey is the key of a KV entry by its SMT key.
func KVKey(smtKey [32]byte) []byte { return append([]byte{prefixKV}, smtKey[:]...) }

// NonceKey is the key of a client's nonce state.
func NonceKey(client [32]byte) []byte { return append([]byte{prefixNonce}, client[:]...) }

// MetaKey is the key of a named meta record.
func MetaKey(name string) []byte { return append([]byte{prefixMeta}, name...) }

// ConsensusLogKey is the key of the consensus log record (seq, kind).
func ConsensusLogKey(seq uint64, kind byte) []byte {
	return append(keyU64(prefixConsensusLog, seq), kind)
}

// ParseConsensusLogKey is the inverse of ConsensusLogKey.
func ParseConsensusLogKey(k []byte) (seq uint64, kind byte, err error) {
	r := be.NewReader(k, ErrMalformedRecord)
	if prefix := r.U8(); r.Err() == nil && prefix != prefixConsensusLog {
		r.Failf("consensus log key prefix %#x", prefix)
	}
	seq, kind = r.U64(), r.U8()
	return seq, kind, r.Done()
}

// ConsensusLogRange returns the bounds [lower, upper) of the log records with fromSeq <= seq < toSeq.
func ConsensusLogRange(fromSeq, toSeq uint64) (lower, upper []byte) {
	lower = keyU64(prefixConsensusLog, fromSeq)
	if toSeq == ^uint64(0) {
		return lower, []byte{prefixConsensusLog + 1}
	}
	return lower, keyU64(prefixConsensusLog, toSeq)
}

// ConsensusHardStateKey is the key of the consensus hard state.
func ConsensusHardStateKey() []byte { return []byte{prefixHardState} }

// StableCheckpointKey is the key of the last stable checkpoint certificate.
func StableCheckpointKey() []byte { return []byte{prefixStable} }

// PrefixUpperBound returns the smallest key greater than every key with prefix p (nil: no bound).
func PrefixUpperBound(p []byte) []byte {
	b := append([]byte(nil), p...)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0xff {
			b[i]++
			return b[:i+1]
		}
	}
	return nil
}
