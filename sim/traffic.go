package sim

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// TrafficReport is what the correct replicas sent each other in a run, per committed block, by role
// (replica.Traffic counts every frame; a broadcast counts once per recipient). A replica's frames are
// counted under the role it plays for them: the primary's under primary; a collector's fast-path frames
// (shares it receives, the certificate it sends) under collector; every other frame of a non-primary
// replica under backup. So Backup is what any non-primary replica sends per block, and Collector what a
// collector sends on top of that for the blocks it collects.
type TrafficReport struct {
	N, C   int
	Blocks uint64
	// One replica of each role, per block.
	Primary, Collector, Backup RoleTraffic
	// Every correct replica together, per block.
	FramesSent, BytesSent float64
	// What PBFT's all-to-all phases would send for the same blocks: the same PrePrepare bytes, then a prepare
	// from every backup and a commit from every replica to the n-1 others, each of the size of this run's
	// fast-path share frame.
	PBFTPrimaryBytes, PBFTBackupBytes, PBFTBytes float64
	// ByType is what every correct replica together sent per block, by message type.
	ByType map[string]TypeTraffic
}

// TypeTraffic is the frames and bytes of one message type, per block.
type TypeTraffic struct{ Frames, Bytes float64 }

// RoleTraffic is one replica's frames and bytes per block in a role.
type RoleTraffic struct{ FramesSent, BytesSent, FramesReceived, BytesReceived float64 }

// trafficReport sums the correct replicas' accounts over the run.
func (w *world) trafficReport() TrafficReport {
	rep := TrafficReport{N: w.n, C: w.c, Blocks: w.res.Height, ByType: map[string]TypeTraffic{}}
	if rep.Blocks == 0 {
		return rep
	}
	var byRole [replica.RolesCount]RoleTraffic
	var shareFrames, shareBytes, ppBytes float64
	for _, r := range w.reps {
		if r.adv != nil {
			continue
		}
		for k, v := range r.traffic.Snapshot() {
			rt := &byRole[k.Role]
			if k.Sent {
				tt := rep.ByType[wire.FrameTypeName(k.Type)]
				tt.Frames += float64(v.Frames) / float64(rep.Blocks)
				tt.Bytes += float64(v.Bytes) / float64(rep.Blocks)
				rep.ByType[wire.FrameTypeName(k.Type)] = tt
				rt.FramesSent += float64(v.Frames)
				rt.BytesSent += float64(v.Bytes)
				rep.FramesSent += float64(v.Frames)
				rep.BytesSent += float64(v.Bytes)
			} else {
				rt.FramesReceived += float64(v.Frames)
				rt.BytesReceived += float64(v.Bytes)
			}
			switch {
			case k.Sent && k.Type == consensus.MsgPartialCommit:
				shareFrames += float64(v.Frames)
				shareBytes += float64(v.Bytes)
			case k.Sent && k.Type == consensus.MsgPrePrepare && k.Role == replica.RolePrimary:
				ppBytes += float64(v.Bytes)
			}
		}
	}
	blocks := float64(rep.Blocks)
	collectors := float64(len(consensus.Collectors(w.n, w.c, 0, 0)))
	rep.Primary = byRole[replica.RolePrimary].per(blocks)
	rep.Collector = byRole[replica.RoleCollector].per(blocks * collectors)
	rep.Backup = byRole[replica.RoleBackup].per(blocks * float64(w.n-1))
	rep.FramesSent /= blocks
	rep.BytesSent /= blocks
	if shareFrames > 0 {
		share, peers := shareBytes/shareFrames, float64(w.n-1)
		rep.PBFTBackupBytes = 2 * peers * share
		rep.PBFTPrimaryBytes = ppBytes/blocks + peers*share
		rep.PBFTBytes = rep.PBFTPrimaryBytes + peers*rep.PBFTBackupBytes
	}
	return rep
}

func (t RoleTraffic) per(d float64) RoleTraffic {
	return RoleTraffic{FramesSent: t.FramesSent / d, BytesSent: t.BytesSent / d,
		FramesReceived: t.FramesReceived / d, BytesReceived: t.BytesReceived / d}
}

// String is the report as a table.
func (t TrafficReport) String() string {
	if t.Blocks == 0 {
		return "traffic: no block committed"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "traffic per committed block, n=%d c=%d, %d blocks (frames per recipient; bytes of the %s message encoding):\n",
		t.N, t.C, t.Blocks, fmt.Sprint("v", wire.EncodingVersion))
	fmt.Fprintf(&b, "  %-10s %12s %12s %12s %12s\n", "role", "sent frames", "sent bytes", "recv frames", "recv bytes")
	for _, r := range []struct {
		name string
		rt   RoleTraffic
	}{{"primary", t.Primary}, {"collector", t.Collector}, {"backup", t.Backup}} {
		fmt.Fprintf(&b, "  %-10s %12.1f %12.0f %12.1f %12.0f\n", r.name, r.rt.FramesSent, r.rt.BytesSent, r.rt.FramesReceived, r.rt.BytesReceived)
	}
	fmt.Fprintf(&b, "  all replicas sent %.1f frames, %.0f bytes; PBFT's all-to-all would send %.0f bytes (primary %.0f, each backup %.0f)",
		t.FramesSent, t.BytesSent, t.PBFTBytes, t.PBFTPrimaryBytes, t.PBFTBackupBytes)
	fmt.Fprint(&b, "\n  by type, all replicas:")
	for _, name := range slices.Sorted(maps.Keys(t.ByType)) {
		fmt.Fprintf(&b, " %s %.1f frames %.0f bytes;", name, t.ByType[name].Frames, t.ByType[name].Bytes)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Row is the report as one markdown table row: n, then bytes per block sent by the primary, a collector (its
// collector frames), a backup, all replicas, and PBFT's all-to-all total, then the ratio of the last two.
func (t TrafficReport) Row() string {
	ratio := 0.0
	if t.BytesSent > 0 {
		ratio = t.PBFTBytes / t.BytesSent
	}
	return fmt.Sprintf("| %d | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.1fx |", t.N, t.Blocks, t.Primary.BytesSent,
		t.Collector.BytesSent, t.Backup.BytesSent, t.BytesSent, t.PBFTBytes, ratio)
}
