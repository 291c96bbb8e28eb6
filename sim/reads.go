package sim

import (
	"crypto/ed25519"
	"crypto/sha256"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// Proven reads. A client sometimes reads one of its own written keys from one replica (replica.Driver.ProvenRead, as the
// read protocol serves it) and accepts the answer only if its client.ProofVerifier does. Such a key is written
// once, so an accepted read is checked exactly (the read-validity checker): at a height below the put's it must
// say absent, from there on hold the value put. Colluders answer with forgeries: their genuine certified header
// and proof with a forged value, and a made-up block whose state holds the forged value, certified by the f
// colluders alone.

// readPerMille is how often, per client tick, a client reads one of its keys (few: each new height costs a
// pairing check).
const readPerMille = 16

// forgedValue is what colluders claim a key holds.
const forgedValue = "forged by the coalition"

func (c *simClient) maybeRead() {
	w := c.w
	if len(c.ackedKeys) == 0 || w.rng.IntN(1000) >= readPerMille {
		return
	}
	key := c.ackedKeys[w.rng.IntN(len(c.ackedKeys))]
	i := uint32(w.rng.IntN(len(w.reps)))
	r := w.reps[i]
	if r.down {
		return
	}
	var answers []*wire.ProvenRead
	if r.adv != nil && r.adv.role == Colluder {
		answers = w.coal.forgeReads(i, key)
	} else if p, err := r.driver.ProvenRead([]byte(key)); err == nil {
		answers = append(answers, p)
	}
	for _, p := range answers {
		if err := c.proofs.VerifyRead(p); err != nil {
			if r.adv == nil {
				w.violate("read proof: client %d refuses correct replica %d's proven read of %s: %v", c.id, i, key, err)
			}
			continue
		}
		if r.adv == nil {
			c.provenReads++
		}
		c.checkRead(i, key, p)
	}
}

// checkRead is the read-validity checker for an accepted read of key, written once at height ackedAt[key].
func (c *simClient) checkRead(replica uint32, key string, p *wire.ProvenRead) {
	at, h := c.ackedAt[key], p.KV.Header.Height
	present := h >= at
	if string(p.KV.Key) != key || p.KV.Found != present ||
		present && (string(p.KV.Value) != c.acked[key] || p.KV.Version != 1) {
		c.w.violate("read validity: client %d accepted replica %d's read of %s at height %d: found %v, version %d, value %q; it was put at height %d as %q",
			c.id, replica, key, h, p.KV.Found, p.KV.Version, p.KV.Value, at, c.acked[key])
	}
}

// forgeReads are member's answers to a read of key: forgeries only.
func (co *coalition) forgeReads(member uint32, key string) []*wire.ProvenRead {
	var out []*wire.ProvenRead
	if p, err := co.w.reps[member].driver.ProvenRead([]byte(key)); err == nil {
		forged := *p // the genuine header, certificate and proof, with another value
		forged.KV.Found, forged.KV.Version, forged.KV.Value = true, 1<<40, []byte(forgedValue)
		out = append(out, &forged)
	}
	if p := co.forgeState(key); p != nil {
		out = append(out, p)
	}
	co.w.res.ForgedReads += len(out)
	return out
}

// forgeState is a read of key from a made-up block whose state holds only the forged value (a valid proof
// against its state root), certified by the f colluders alone.
func (co *coalition) forgeState(key string) *wire.ProvenRead {
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
