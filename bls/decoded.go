package bls

// DecodedSignatures keeps signatures already decoded (point decompression and subgroup check: about a third of
// a millisecond each) for processes where many verifiers decode the same bytes: the simulator runs every
// replica in one process, and at n = 209 each broadcast checkpoint share would otherwise be decoded 209 times.
// A replica process decodes each share once and needs none. At most DecodedSignaturesMax entries. Safe for
// concurrent use; a nil *DecodedSignatures decodes every time.
type DecodedSignatures struct {
	cache *generations[[SignatureSize]byte, Signature]
}

// DecodedSignaturesMax bounds a DecodedSignatures: the shares of a few certificates of the largest network.
const DecodedSignaturesMax = 4096

// NewDecodedSignatures makes an empty cache.
func NewDecodedSignatures() *DecodedSignatures {
	return &DecodedSignatures{cache: newGenerations[[SignatureSize]byte, Signature](DecodedSignaturesMax)}
}

// Decode is SignatureFromBytes, from the cache when b was decoded before.
func (c *DecodedSignatures) Decode(b []byte) (Signature, error) {
	if c == nil || len(b) != SignatureSize {
		return SignatureFromBytes(b)
	}
	key := [SignatureSize]byte(b)
	if sig, ok := c.cache.get(key); ok {
		return sig, nil
	}
	sig, err := SignatureFromBytes(b)
	if err == nil {
		c.cache.put(key, sig)
	}
	return sig, err
}
