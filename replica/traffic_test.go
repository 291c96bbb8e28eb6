package replica

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/wire"
)

// Each frame counts under the role its sender plays for it: the view's primary, the collector of the frame's
// sequence number for fast-path frames, backup otherwise; a broadcast counts once per recipient; the metrics
// follow the account.
func TestTrafficRoles(t *testing.T) {
	const n = 7
	frame := func(typ consensus.MsgType, view, seq uint64) []byte {
		return wire.MarshalMessage(&consensus.Message{Type: typ, From: 2, View: view, Seq: seq})
	}
	collector := uint32(consensus.Collectors(n, 0, 0, 5)[0])
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	for _, tc := range []struct {
		id        uint32
		typ       consensus.MsgType
		seq       uint64
		broadcast bool
		want      Role
	}{
		{0, consensus.MsgPrePrepare, 5, true, RolePrimary},
		{collector, consensus.MsgFullCommit, 5, true, RoleCollector},
		{collector, consensus.MsgStatus, 5, true, RoleBackup},
		{collector, consensus.MsgPartialCommit, 6, false, RoleBackup},
		{3, wire.FrameExecShare, 5, false, RoleBackup},
	} {
		tr := NewTraffic(tc.id, n, 0, m)
		ct := countingTransport{Transport: nullTransport{}, t: tr}
		f := frame(tc.typ, 0, tc.seq)
		frames := 1
		if tc.broadcast {
			ct.Broadcast(f)
			frames = n - 1
		} else {
			ct.Send(1, f)
		}
		tr.Received(f)
		got := tr.Snapshot()
		sent := got[TrafficKey{Sent: true, Role: tc.want, Type: tc.typ}]
		if sent.Frames != uint64(frames) || sent.Bytes != uint64(frames*len(f)) || len(got) != 2 {
			t.Errorf("replica %d sending %v for seq %d: %+v, want %d frames as %v", tc.id, tc.typ, tc.seq, got, frames, tc.want)
		}
	}
	var pb dto.Metric
	if err := m.peerFrames.WithLabelValues("sent", "primary", "PrePrepare").Write(&pb); err != nil || pb.GetCounter().GetValue() != n-1 {
		t.Errorf("sbft_peer_frames_total{sent,primary,PrePrepare} = %v (%v), want %d", pb.GetCounter().GetValue(), err, n-1)
	}
	// Both directions: primary and backup for every type, collector for the two fast-path types.
	if fam, want := scrape(t, reg)["sbft_peer_bytes_total"], 2*(2*len(trafficTypes)+2); fam == nil || len(fam.GetMetric()) != want {
		t.Errorf("sbft_peer_bytes_total has %d series, want %d: every direction, role and type from the start", len(fam.GetMetric()), want)
	}
}
