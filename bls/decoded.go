package bls

import "sync"

// DecodedSignatures keeps signatures already decoded (point decompression and subgroup check: about a third of
// a millisecond each) for processes where many verifiers decode the same bytes: the simulator runs every
// replica in one process, and at n = 209 each broadcast checkpoint share would otherwise be decoded 209 times.
// A replica process decodes each share once and needs none. At most DecodedSignaturesMax entries, in two
// generations like the hash cache. Safe for concurrent use; a nil *DecodedSignatures decodes every time.
type DecodedSignatures struct {
	mu       sync.Mutex
	new, old map[[SignatureSize]byte]Signature
}

// DecodedSignaturesMax bounds a DecodedSignatures: the shares of a few certificates of the largest network.
const DecodedSignaturesMax = 4096

// NewDecodedSignatures makes an empty cache.
func NewDecodedSignatures() *DecodedSignatures {
	return &DecodedSignatures{new: map[[SignatureSize]byte]Signature{}, old: map[[SignatureSize]byte]Signature{}}
}

// Decode is SignatureFromBytes, from the cache when b was decoded before.
func (c *DecodedSignatures) Decode(b []byte) (Signature, error) {
	if c == nil || len(b) != SignatureSize {
		return SignatureFromBytes(b)
	}
	key := [SignatureSize]byte(b)
	c.mu.Lock()
	sig, ok := c.new[key]
	if !ok {
		sig, ok = c.old[key]
	}
	c.mu.Unlock()
	if ok {
		return sig, nil
	}
	sig, err := SignatureFromBytes(b)
	if err != nil {
		return sig, err
	}
	c.mu.Lock()
	if len(c.new) >= DecodedSignaturesMax/2 {
		c.old, c.new = c.new, c.old
		clear(c.new)
	}
	c.new[key] = sig
	c.mu.Unlock()
	return sig, nil
}
