package adversary

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// recorder is a replica's transport below the adversary: it records the recipients of what it is given.
type recorder struct{ to []uint32 }

func (r *recorder) Send(to uint32, frame []byte) bool { r.to = append(r.to, to); return true }
func (r *recorder) Broadcast([]byte)                  { panic("the decorator broadcasts through Send") }

// The Transport decorator rewrites every frame once per recipient: a silent replica sends nothing, a censor
// (whose attack is on its input) sends what its driver sends to every other replica.
func TestTransportDecorator(t *testing.T) {
	cfg := &Config{ChainID: "test", N: 4, F: 1, Rand: rand.New(rand.NewPCG(1, 2))}
	var silent, censor recorder
	New(cfg, 1, Silent, Keys{}, nil, nil).Transport(&silent).Broadcast([]byte("frame"))
	tr := New(cfg, 1, Censor, Keys{}, nil, nil).Transport(&censor)
	tr.Broadcast([]byte("frame"))
	tr.Send(0, []byte("frame"))
	if len(silent.to) != 0 || !slices.Equal(censor.to, []uint32{0, 2, 3, 0}) {
		t.Fatalf("silent sent to %v, censor to %v", silent.to, censor.to)
	}
}
