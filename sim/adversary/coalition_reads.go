package adversary

import (
	"crypto/ed25519"
	"crypto/sha256"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// The coalition against proven reads. A client sometimes reads one of its own written keys from one replica; a
// colluder answers with forgeries only: its genuine certified header and proof with a forged value, and a
// made-up block whose state holds the forged value, certified by the f colluders alone.

// forgedValue is what colluders claim a key holds.
const forgedValue = "forged by the coalition"

// forgeReads are member a's answers to a read of key: forgeries only.
func (co *Coalition) forgeReads(a *Adversary, key string) []*wire.ProvenRead {
	var out []*wire.ProvenRead
	if p, err := a.node.ProvenRead([]byte(key)); err == nil {
		forged := *p // the genuine header, certificate and proof, with another value
		forged.KV.Found, forged.KV.Version, forged.KV.Value = true, 1<<40, []byte(forgedValue)
		out = append(out, &forged)
	}
	if p := co.forgeState(key); p != nil {
		out = append(out, p)
	}
	co.forged.Reads += len(out)
	return out
}

// forgeState is a read of key from a made-up block whose state holds only the forged value (a valid proof
// against its state root), certified by the f colluders alone.
func (co *Coalition) forgeState(key string) *wire.ProvenRead {
	chainID := co.cfg.ChainID
	app, err := chain.OpenApp(chain.NewMemStore(), chainID, nil)
	if err != nil {
		return nil
	}
	seed := sha256.Sum256([]byte("coalition reader"))
	signer := ed25519.NewKeyFromSeed(seed[:])
	tx := &chain.Tx{Nonce: 1, Op: chain.OpPut, Key: []byte(key), Value: []byte(forgedValue)}
	copy(tx.Client[:], signer.Public().(ed25519.PublicKey))
	tx.Sign(chainID, signer)
	b := chain.NewMemStore().NewBatch()
	blk, _, err := app.Execute(b, 1, [][]byte{tx.Marshal()}, nil)
	if err != nil {
		return nil
	}
	kv, err := app.ProveAt([]byte(key), blk.Header.Height)
	if err != nil {
		return nil
	}
	hash := blk.Header.Hash()
	signers, sig := co.execCert(blk.Header.Height, hash)
	return &wire.ProvenRead{KV: *kv, Exec: wire.ExecCert{Height: blk.Header.Height, BlockHash: hash, Signers: signers, Sig: sig}}
}
