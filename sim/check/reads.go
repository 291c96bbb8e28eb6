package check

import "github.com/sbftnet/sbft/wire"

// The read-validity checker. A client reads only keys it put (once) and had acknowledged, so an accepted proven
// read is checked exactly: at a height below the put's it must say absent, from there on hold the value put.

// ReadAccepted checks a proven read a client accepted.
func (k *Checker) ReadAccepted(client int, replica uint32, key string, p *wire.ProvenRead) {
	var wr write
	if i, ok := k.written[key]; ok {
		wr = k.writes[i]
	}
	at, h := wr.height, p.KV.Header.Height
	present := h >= at
	if string(p.KV.Key) != key || p.KV.Found != present ||
		present && (string(p.KV.Value) != wr.value || p.KV.Version != 1) {
		k.violate("read validity: client %d accepted replica %d's read of %s at height %d: found %v, version %d, value %q; it was put at height %d as %q",
			client, replica, key, h, p.KV.Found, p.KV.Version, p.KV.Value, at, wr.value)
	}
}
