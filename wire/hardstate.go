package wire

import (
	"fmt"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire/be"
)

// Hard state on disk: view(8) flags(1) [ len(4) message ]; flags bit 0: in view change (the message is the
// ViewChange sent), bit 1: a message follows (the ViewChange, or the NewView that started the view). The
// 8-byte view alone is the format of earlier versions and still decodes.
const (
	hardInViewChange = 1
	hardHasMessage   = 2
)

// MarshalHardState encodes hs for the node to persist.
func MarshalHardState(hs consensus.HardState) []byte {
	b := be.AppendU64(nil, hs.View)
	m := hs.NewView
	var flags byte
	if hs.InViewChange {
		flags |= hardInViewChange
		m = hs.ViewChange
	}
	if m == nil {
		return append(b, flags)
	}
	b = append(b, flags|hardHasMessage)
	return be.AppendLenBytes32(b, MarshalMessage(m))
}

// UnmarshalHardState decodes what MarshalHardState wrote (and the 8-byte view of earlier versions).
func UnmarshalHardState(b []byte) (consensus.HardState, error) {
	var hs consensus.HardState
	r := be.NewReader(b, ErrMalformedHardState)
	hs.View = r.U64()
	if len(b) == 8 {
		return hs, nil
	}
	flags := r.U8()
	hs.InViewChange = flags&hardInViewChange != 0
	if r.Err() == nil && flags&hardHasMessage != 0 {
		m, err := UnmarshalMessage(r.Bytes(int(r.U32())))
		if err != nil {
			return hs, fmt.Errorf("hard state message: %w", err)
		}
		want := consensus.MsgNewView
		if hs.InViewChange {
			want, hs.ViewChange = consensus.MsgViewChange, m
		} else {
			hs.NewView = m
		}
		if m.Type != want || m.View != hs.View {
			return hs, errorf(ErrMalformedHardState, "holds %v of view %d for view %d", m.Type, m.View, hs.View)
		}
	}
	return hs, r.Done()
}
