package sim

import (
	"reflect"
	"testing"
)

// Seeds run in parallel give the results they give alone, delivered in seed order; under -race this is the check
// that concurrent runs share no mutable state.
func TestSwarmMatchesSerialRuns(t *testing.T) {
	base := Options{Steps: 200}
	const first, count = 11, 8
	var serial []*Result
	for k := range count {
		o := base
		o.Seed = first + uint64(k)
		serial = append(serial, Run(o))
	}
	var got []*Result
	sum := Swarm(base, first, count, 4, nil, func(r *Result) { got = append(got, r) })
	if len(got) != count || sum.Seeds != count || sum.First != first || sum.Last != first+count-1 || sum.Stop != nil {
		t.Fatalf("delivered %d results, summary %+v", len(got), sum)
	}
	want := SwarmSummary{First: first, Workers: 4}
	for k, r := range got {
		if r.Seed != first+uint64(k) {
			t.Fatalf("result %d is seed %d: not in seed order", k, r.Seed)
		}
		if r.Trace != serial[k].Trace || r.String() != serial[k].String() {
			t.Fatalf("seed %d differs when run in a swarm:\n%v\n%v", r.Seed, r, serial[k])
		}
		want.add(serial[k])
	}
	want.Elapsed = sum.Elapsed
	if !reflect.DeepEqual(sum, want) {
		t.Fatalf("summary %+v, want %+v", sum, want)
	}
	t.Logf("%d seeds, %d passed: %s", sum.Seeds, sum.Passed, sum.Coverage())
}

// The swarm ends at the lowest seed for which stop holds, even when a higher one finishes first.
func TestSwarmStopsAtLowestSeed(t *testing.T) {
	const first = 11
	stopAt := map[uint64]bool{first + 3: true, first + 4: true, first + 6: true}
	for _, workers := range []int{1, 3} {
		var got []uint64
		sum := Swarm(Options{Steps: 200}, first, 20, workers, func(r *Result) bool { return stopAt[r.Seed] },
			func(r *Result) { got = append(got, r.Seed) })
		if sum.Stop == nil || sum.Stop.Seed != first+3 || sum.Seeds != 4 || sum.Last != first+3 || len(got) != 4 {
			t.Fatalf("%d workers: delivered %v, summary %+v", workers, got, sum)
		}
		for k, s := range got {
			if s != first+uint64(k) {
				t.Fatalf("%d workers: delivered %v", workers, got)
			}
		}
	}
}
