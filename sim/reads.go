package sim

import "github.com/sbftnet/sbft/wire"

// Proven reads. A client sometimes reads one of its own written keys from one replica (replica.Driver.ProvenRead,
// as the read protocol serves it; a byzantine replica's adversary answers in its place, colluders with forgeries)
// and accepts the answer only if its client.ProofVerifier does. Such a key is written once, so the read-validity
// checker (package check) checks an accepted read exactly.

// readPerMille is how often, per client tick, a client reads one of its keys (few: each new height costs a
// pairing check).
const readPerMille = 16

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
	if r.adv != nil {
		answers = r.adv.ProvenReads(key)
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
		w.obs.ReadAccepted(c.id, i, key, p)
	}
}
