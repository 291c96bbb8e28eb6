package consensus

import (
	"encoding/binary"
	"fmt"
)

// Hard state on disk: view(8) flags(1) [ len(4) message ]; flags bit 0: in view change (the message is the
// ViewChange sent), bit 1: a message follows (the ViewChange, or the NewView that started the view).
const (
	hardInViewChange = 1
	hardHasMessage   = 2
)

// MarshalHardState encodes hs for the node to persist.
func MarshalHardState(hs HardState) []byte {
	b := binary.BigEndian.AppendUint64(nil, hs.View)
	m := hs.NewView
	var flags byte
	if hs.InViewChange {
		flags |= hardInViewChange
		m = hs.ViewChange
	}
	if m == nil {
		return append(b, flags)
	}
	enc := m.Marshal()
	b = append(b, flags|hardHasMessage)
	b = binary.BigEndian.AppendUint32(b, uint32(len(enc)))
	return append(b, enc...)
}

// UnmarshalHardState decodes what MarshalHardState wrote (and the 8-byte view of earlier versions).
func UnmarshalHardState(b []byte) (HardState, error) {
	var hs HardState
	if len(b) == 8 {
		hs.View = binary.BigEndian.Uint64(b)
		return hs, nil
	}
	r := &reader{b: b}
	hs.View = r.u64()
	flags := r.u8()
	hs.InViewChange = flags&hardInViewChange != 0
	if r.err == nil && flags&hardHasMessage != 0 {
		m, err := UnmarshalMessage(r.take(int(r.u32())))
		if err != nil {
			return hs, fmt.Errorf("hard state message: %w", err)
		}
		want := MsgNewView
		if hs.InViewChange {
			want, hs.ViewChange = MsgViewChange, m
		} else {
			hs.NewView = m
		}
		if m.Type != want || m.View != hs.View {
			return hs, fmt.Errorf("%w: hard state holds %v of view %d for view %d", ErrMalformed, m.Type, m.View, hs.View)
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes in hard state", len(r.b))
	}
	return hs, r.err
}
