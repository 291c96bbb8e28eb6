package sim

import (
	"fmt"
	"strings"
	"time"

	"github.com/sbftnet/sbft/mutant"
	"github.com/sbftnet/sbft/sim/adversary"
	"github.com/sbftnet/sbft/sim/check"
)

// SafetyViolation returns the first violation a safety checker (check.SafetyCheckers) reported, and which
// checker. Only these count as catching a planted bug: a liveness timeout or a verifier that disagrees with a
// replica proves nothing about safety.
func (r *Result) SafetyViolation() (checker, violation string, ok bool) {
	for _, v := range r.Violations {
		_, msg, _ := strings.Cut(v, " ") // after "t=<tick>"
		for _, c := range check.SafetyCheckers {
			if strings.HasPrefix(msg, c+":") {
				return c, v, true
			}
		}
	}
	return "", "", false
}

// Hunt is the outcome of running the swarm against one planted bug.
type Hunt struct {
	Bug       mutant.Bug
	Caught    bool
	Seed      uint64 // the lowest seed a safety checker caught it at
	Seeds     int    // seeds run until then (all of them when not caught)
	Checker   string
	Violation string
	Elapsed   time.Duration
}

func (h Hunt) String() string {
	if !h.Caught {
		return fmt.Sprintf("%-20s NOT CAUGHT in %d seeds (%.1fs)", h.Bug, h.Seeds, h.Elapsed.Seconds())
	}
	return fmt.Sprintf("%-20s caught at seed %d by %s (%.1fs): %s", h.Bug, h.Seed, h.Checker, h.Elapsed.Seconds(), h.Violation)
}

// HuntScenario is the swarm a planted bug is hunted in: the random swarm, except where the bug sits on a path
// the random swarm reaches too rarely.
func HuntScenario(b mutant.Bug) Options {
	switch b {
	case mutant.SkipPersist:
		return Options{CrashPerMille: 150, Replicas: 4}
	case mutant.NewViewLowest:
		// The withholding attack (adversary/withhold.go) by a coalition whose member is the first primary.
		return Options{Replicas: 4, Adversary: adversary.Colluder, Withhold: true, Steps: 1500}
	case mutant.NewViewDuplicates, mutant.NewViewSignatures:
		// A coalition whose member is the primary of view 1: its NewViews come one ViewChange short, with a
		// ViewChange twice and with a forged one, before the real one.
		return Options{Replicas: 4, Adversary: adversary.Colluder, AdversaryReplica: 1}
	case mutant.PrePrepareUnverified:
		// A coalition whose member is the primary of view 1: it proposes transactions under forged client
		// signatures (adversary/coalition_txs.go).
		return Options{Replicas: 4, Adversary: adversary.Colluder, AdversaryReplica: 1}
	case mutant.UnprovenResult:
		// A coalition whose member is the first primary: every client transaction reaches it first, to be
		// answered with forged block replies (adversary/coalition_proofs.go).
		return Options{Replicas: 4, Adversary: adversary.Colluder}
	case mutant.BlockCertBatch, mutant.CheckpointCert:
		// A coalition whose member is the first primary (view changes, to a correct primary) and the client
		// node's first source.
		return Options{Replicas: 4, Adversary: adversary.Colluder}
	case mutant.ReadProof:
		// Proven reads answered by a colluder (adversary/coalition_reads.go).
		return Options{Replicas: 4, Adversary: adversary.Colluder, AdversaryReplica: 2}
	case mutant.TransferHashChain:
		// A replica down long enough to need a state transfer, from sources that include a colluder (f-1 of
		// them: the replica down is the f-th fault).
		return Options{Replicas: 7, Clients: 3, Quiet: true, Steps: 1500, Adversary: adversary.Colluder, AdversaryReplica: 1,
			Colluders: 1, Outage: Outage{Replica: 6, From: 100, Until: 1000}}
	}
	return Options{}
}

// HuntMutant plants bug b (a build with the mutants tag only) and runs seeds 1..seedsMax of its scenario over
// `workers` goroutines (0: every core) until a safety checker fires. The answer is the lowest such seed, so it
// does not depend on scheduling.
func HuntMutant(b mutant.Bug, seedsMax, workers int) Hunt {
	mutant.Set(b)
	defer mutant.Set("")
	h := Hunt{Bug: b}
	caught := func(r *Result) bool { _, _, ok := r.SafetyViolation(); return ok }
	sum := Swarm(HuntScenario(b), 1, seedsMax, workers, caught, func(*Result) {})
	h.Seeds, h.Elapsed = sum.Seeds, sum.Elapsed
	if r := sum.Stop; r != nil {
		h.Caught, h.Seed = true, r.Seed
		h.Checker, h.Violation, _ = r.SafetyViolation()
	}
	return h
}
