package chain

import "github.com/sbftnet/sbft/chain/smt"

// VerifyKV checks a proof that key holds (version, value) under root, or with value nil and version 0, that
// key is absent.
func VerifyKV(root [32]byte, key []byte, version uint64, value []byte, p smt.Proof) bool {
	sk := KVSMTKey(key)
	if value == nil && version == 0 {
		return smt.Verify(root, sk, nil, p)
	}
	e := kvEntry{Key: key, Version: version, Value: value}
	vh := e.valueHash()
	return smt.Verify(root, sk, &vh, p)
}
