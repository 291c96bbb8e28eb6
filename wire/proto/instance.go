package proto

import (
	"bytes"
	"time"

	"github.com/sbftnet/sbft/wire/be"
)

// Process instances. Every replica process draws a random 8-byte instance ID at start and sends it as the first
// frame of each consensus stream it opens (MeshHello), so the replicas it talks to can tell two processes that
// use one key apart: an operator who copied a home. A replica asks the others which instances of its own key
// they saw (InstancesProtocol) and finds the other process.
//
//	MeshHello:          magic("sbft/mesh-hello/1") instance(8)
//	Instances response: count(1) then per instance: instance(8) ageMs(8), age since it last opened a stream

// InstanceID identifies one process of a replica.
type InstanceID [8]byte

var meshHelloMagic = []byte("sbft/mesh-hello/1")

// EncodeMeshHello is the first frame of a consensus stream.
func EncodeMeshHello(id InstanceID) []byte {
	return append(append([]byte(nil), meshHelloMagic...), id[:]...)
}

// DecodeMeshHello returns the instance of a MeshHello frame; false for any other frame (a consensus message
// never starts with the magic).
func DecodeMeshHello(f []byte) (InstanceID, bool) {
	var id InstanceID
	if len(f) != len(meshHelloMagic)+len(id) || !bytes.HasPrefix(f, meshHelloMagic) {
		return id, false
	}
	copy(id[:], f[len(meshHelloMagic):])
	return id, true
}

// InstanceSeen is one instance a replica saw, and how long ago it last opened a stream.
type InstanceSeen struct {
	ID  InstanceID
	Age time.Duration
}

// EncodeInstances encodes at most InstancesMax entries.
func EncodeInstances(seen []InstanceSeen) []byte {
	seen = seen[:min(len(seen), InstancesMax)]
	b := []byte{byte(len(seen))}
	for _, s := range seen {
		b = append(b, s.ID[:]...)
		b = be.AppendU64(b, uint64(s.Age.Milliseconds()))
	}
	return b
}

// DecodeInstances parses an instances response; it never panics on bad bytes.
func DecodeInstances(b []byte) ([]InstanceSeen, error) {
	r := be.NewReader(b, ErrMalformedInstances)
	n := int(r.U8())
	if n > InstancesMax {
		r.Failf("%d instances", n)
	}
	var out []InstanceSeen
	for i := 0; i < n && r.Err() == nil; i++ {
		var s InstanceSeen
		copy(s.ID[:], r.Bytes(len(s.ID)))
		s.Age = time.Duration(r.U64()) * time.Millisecond
		out = append(out, s)
	}
	if err := r.Done(); err != nil {
		return nil, err
	}
	return out, nil
}
