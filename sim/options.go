package sim

import (
	"fmt"
	"strings"

	"github.com/sbftnet/sbft/sim/adversary"
)

// Options of one run; zero fields are drawn from the seed.
type Options struct {
	Seed     uint64
	Replicas int // n = 3f+1 (6: f = c = 1); 0: drawn from SwarmReplicas
	Steps    int // ticks of the safety phase (0: StepsDefault, or StepsLarge above LargeReplicas)
	Clients  int
	// LivenessTicks bounds the liveness phase.
	LivenessTicks int
	// Adversary, if set, makes replica AdversaryReplica (0: the first primary) byzantine with this role, and
	// no other; Colluder makes Colluders replicas (0: f), AdversaryReplica among them, a coalition.
	Adversary        adversary.Role
	AdversaryReplica int
	Colluders        int
	// Withhold makes the coalition follow the withholding strategy (adversary/withhold.go); random runs draw it.
	Withhold bool
	// NoCertificateChecker turns the certificate-validity checker off, to show what an attack wins: the
	// agreement, linearizability and state checkers must then catch its effect.
	NoCertificateChecker bool
	// CrashPerMille, if set, overrides the crash rate drawn from the seed.
	CrashPerMille int
	// Quiet turns off every random fault (delay stays, at most 2 ticks); with Outage, a scripted scenario.
	Quiet bool
	// Outage, if Until > 0, takes replica Replica down from tick From to tick Until.
	Outage Outage
	// Isolate, if Until > 0, cuts replica Replica off from the other replicas (not from clients) from tick
	// From to tick Until.
	Isolate Outage
	// CheckpointInterval is every replica's checkpoint interval (0: CheckpointIntervalDefault, or
	// CheckpointIntervalLarge above LargeReplicas).
	CheckpointInterval int
}

// SwarmReplicas is what a seed draws n from when Options.Replicas is 0: mostly small networks (where faults
// and coalitions hit hardest, and seeds run fastest), n = 6 for the seed system's c = 1, and 10 and 16 so
// every swarm exercises collectors, fan-out and quorums beyond the smallest sizes. Larger n (31, 64, 209) are
// the long runs (make sim-long).
var SwarmReplicas = []int{4, 4, 4, 7, 7, 6, 10, 16}

// CheckpointIntervalDefault is the simulator's checkpoint interval up to LargeReplicas: short, so a run of a
// few hundred ticks reaches several stable checkpoints and moves its window (production uses 150, the genesis
// default). Larger networks checkpoint every CheckpointIntervalLarge: every replica combines each checkpoint's
// 2f+c+1 shares, and at n = 209 a checkpoint every 10 sequence numbers cost the simulator more than everything
// else together.
const (
	CheckpointIntervalDefault = 10
	CheckpointIntervalLarge   = 20
	// LargeReplicas: above it the simulator's defaults are those of a large network (fewer safety ticks, the
	// longer checkpoint interval), so that a seed at n = 209 runs in well under a minute.
	LargeReplicas = 16
	// StepsDefault and StepsLarge are the safety phase's ticks (Options.Steps) up to LargeReplicas and above.
	StepsDefault = 1500
	StepsLarge   = 1200
)

func checkpointIntervalDefault(n int) int {
	if n > LargeReplicas {
		return CheckpointIntervalLarge
	}
	return CheckpointIntervalDefault
}

func stepsDefault(n int) int {
	if n > LargeReplicas {
		return StepsLarge
	}
	return StepsDefault
}

// Outage is a scripted crash of one replica.
type Outage struct {
	Replica     int
	From, Until uint64
}

// Faults is the fault schedule drawn from the seed.
type Faults struct {
	LossPct, DupPct   int
	DelayMaxTicks     int
	CrashPerMille     int // chance per tick that a replica crashes (while the faulty stay at most f)
	DownTicksMax      int
	PartitionPerMille int // chance per tick that a replica is cut off (symmetric or one way)
	Byzantine         []string
	Slow              int // replica whose links have extra delay (-1: none)
	TickPeriods       []int
}

// Result is a run's verdict.
type Result struct {
	Seed       uint64
	N, F, C    int
	Faults     Faults
	Crashes    int
	Partitions int
	// Commits on each path by the first primary: during the outage and after it (Outage runs only).
	FastDuringOutage, SlowDuringOutage, FastAfterOutage uint64
	Submitted                                           int
	Acked                                               int
	ProvenAcks                                          int // acknowledged on an execution proof
	Unknown                                             int // calls that ended without an outcome (submitted again)
	Failed                                              int // calls reported failed or refused
	ForgedProofs                                        int // forged proven replies the coalition sent clients
	ProvenReads                                         int // proven reads from correct replicas clients accepted
	ForgedReads                                         int // forged proven reads the coalition gave clients
	ForgedBlocks                                        int // blocks of other batches the coalition served the client node
	// Traffic is the correct replicas' communication per committed block (traffic.go).
	Traffic          TrafficReport
	FollowerHeight   uint64
	Height           uint64
	View             uint64   // highest view a correct replica reached
	StateTransfers   int      // state transfers started by correct replicas
	StableCheckpoint uint64   // highest stable checkpoint of a correct replica
	Views            []uint64 // final view of each replica (0 if byzantine or down)
	ViewsActive      []bool   // ... and whether it had started
	Trace            [32]byte
	Violations       []string
}

// OK reports whether no checker failed.
func (r *Result) OK() bool { return len(r.Violations) == 0 }

func (r *Result) String() string {
	verdict := "PASS"
	if !r.OK() {
		verdict = "FAIL: " + strings.Join(r.Violations, "; ")
	}
	fl := r.Faults
	return fmt.Sprintf("seed %d n=%d f=%d c=%d faults{loss %d%% dup %d%% delay<=%d crash %d‰ down<=%d partition %d‰ byzantine %v slow %d tick periods %v} crashes %d partitions %d submitted %d acked %d unknown %d failed %d height %d view %d stable %d trace %x: %s",
		r.Seed, r.N, r.F, r.C, fl.LossPct, fl.DupPct, fl.DelayMaxTicks, fl.CrashPerMille, fl.DownTicksMax,
		fl.PartitionPerMille, fl.Byzantine, fl.Slow, fl.TickPeriods, r.Crashes, r.Partitions, r.Submitted, r.Acked, r.Unknown, r.Failed,
		r.Height, r.View, r.StableCheckpoint, r.Trace[:8], verdict)
}
