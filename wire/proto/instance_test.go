package proto

import (
	"testing"
	"time"
)

func TestInstancesRoundTrip(t *testing.T) {
	seen := []InstanceSeen{{ID: InstanceID{1}, Age: 0}, {ID: InstanceID{2}, Age: 1500 * time.Millisecond}}
	got, err := DecodeInstances(EncodeInstances(seen))
	if err != nil || len(got) != 2 || got[0] != seen[0] || got[1] != seen[1] {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if id, ok := DecodeMeshHello(EncodeMeshHello(InstanceID{7})); !ok || id != (InstanceID{7}) {
		t.Fatalf("hello round trip: %v %v", id, ok)
	}
	for _, bad := range [][]byte{nil, {9}, {1, 2, 3}, append(EncodeInstances(seen), 0)} {
		if _, err := DecodeInstances(bad); err == nil {
			t.Errorf("%x decoded", bad)
		}
	}
}

func FuzzDecodeInstances(f *testing.F) {
	f.Add(EncodeInstances([]InstanceSeen{{ID: InstanceID{1}, Age: time.Second}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		seen, err := DecodeInstances(b)
		if err == nil && len(seen) > InstancesMax {
			t.Fatalf("%d instances", len(seen))
		}
		DecodeMeshHello(b)
	})
}
