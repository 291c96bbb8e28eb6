package chain

import (
	"fmt"

	"github.com/sbftnet/sbft/wire/be"
)

// Update is one change a block made to the KV state: a key's new version and value, or its deletion (of a key
// that may have been absent). Client nodes stream them to applications that mirror the data.
type Update struct {
	Key     []byte
	Value   []byte
	Version uint64
	Deleted bool
}

// Outcomes encodes what each transaction of a block did, compactly (code(1) version(8) each): with the block
// it gives the block's updates, without storing results.
func Outcomes(results []Result) []byte {
	b := make([]byte, 0, 9*len(results))
	for i := range results {
		b = be.AppendU64(append(b, byte(results[i].Code)), results[i].Version)
	}
	return b
}

// BlockUpdates returns the changes blk made, in transaction order, from its Outcomes.
func BlockUpdates(blk *Block, outcomes []byte) ([]Update, error) {
	if len(outcomes) != 9*len(blk.Txs) {
		return nil, fmt.Errorf("%w: outcomes of %d bytes for %d transactions", ErrMalformedRecord, len(outcomes), len(blk.Txs))
	}
	var ups []Update
	r := be.NewReader(outcomes, ErrMalformedRecord)
	for _, raw := range blk.Txs {
		code, version := Code(r.U8()), r.U64()
		if code != CodeOK {
			continue
		}
		tx, err := UnmarshalTx(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: transaction %x executed but does not decode", ErrMalformedRecord, TxHash(raw))
		}
		switch tx.Op {
		case OpPut, OpCAS:
			ups = append(ups, Update{Key: tx.Key, Value: tx.Value, Version: version})
		case OpDelete:
			ups = append(ups, Update{Key: tx.Key, Deleted: true})
		}
	}
	return ups, r.Done()
}
