package sim

import (
	"slices"
	"testing"
)

// A primary that is silent, equivocates or censors one client is replaced, and every client's writes are
// acknowledged and present on every correct replica (the run's checkers), for n = 4 and n = 7.
func TestFaultyPrimaryIsReplaced(t *testing.T) {
	skipUnderRace(t)
	for _, role := range []Role{Silent, Equivocator, Censor} {
		for _, n := range []int{4, 7} {
			r := Run(Options{Seed: 11, Replicas: n, Clients: 2, Quiet: true, Adversary: role})
			if !r.OK() {
				t.Fatalf("%v primary, n=%d: %v", role, n, r)
			}
			if r.View == 0 || r.Acked == 0 {
				t.Fatalf("%v primary, n=%d: view %d, %d acknowledged: the primary was not replaced", role, n, r.View, r.Acked)
			}
		}
	}
}

// A primary cut off from the backups (not from clients) is replaced; once healed it joins the new view and
// catches up to the same height (the run's liveness check).
func TestPartitionedPrimaryIsReplacedAndRejoins(t *testing.T) {
	skipUnderRace(t)
	for _, n := range []int{4, 7} {
		r := Run(Options{Seed: 5, Replicas: n, Clients: 2, Quiet: true, Steps: 1500, Isolate: Outage{Replica: 0, From: 100, Until: 900}})
		if !r.OK() {
			t.Fatalf("n=%d: %v", n, r)
		}
		if r.View == 0 {
			t.Fatalf("n=%d: the partitioned primary was not replaced", n)
		}
		if slices.Contains(r.ViewsActive, false) || slices.Min(r.Views) != r.View {
			t.Fatalf("n=%d: views %v (started %v): the healed primary did not join view %d", n, r.Views, r.ViewsActive, r.View)
		}
	}
}
