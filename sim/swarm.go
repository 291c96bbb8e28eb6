package sim

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// swarmWindowPerWorker bounds how far the seeds handed out may run ahead of the lowest seed not yet delivered
// (in seeds per worker), and so how many finished results wait for a slow seed.
const swarmWindowPerWorker = 8

// SwarmSummary counts what a swarm delivered. Every count is over the delivered seeds (First..Last), so it does
// not depend on the number of workers or on their scheduling; only Elapsed does.
type SwarmSummary struct {
	First, Last uint64 // the seeds delivered (Last < First when none was)
	Seeds       int    // delivered: Last-First+1
	Passed      int
	Failed      int
	// Stop is the result of the lowest seed for which the stop predicate held (nil if it never did); the swarm
	// delivered it last.
	Stop *Result
	// Coverage: seeds whose run reached a stable checkpoint, changed view (View > 0), both, or started a state
	// transfer.
	Checkpointed     int
	ViewChanged      int
	CheckpointAndVC  int
	StateTransferred int
	ByReplicas       map[int]int // seeds by n
	Workers          int
	Elapsed          time.Duration
}

// SeedsPerSecond is the swarm's throughput.
func (s *SwarmSummary) SeedsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Seeds) / s.Elapsed.Seconds()
}

// Coverage describes the fractions of seeds that exercised checkpoints, view changes and state transfer.
func (s *SwarmSummary) Coverage() string {
	pct := func(k int) string {
		if s.Seeds == 0 {
			return fmt.Sprintf("%d", k)
		}
		return fmt.Sprintf("%d (%.0f%%)", k, 100*float64(k)/float64(s.Seeds))
	}
	var ns []string
	for _, n := range slices.Sorted(maps.Keys(s.ByReplicas)) {
		ns = append(ns, fmt.Sprintf("%d×%d", n, s.ByReplicas[n]))
	}
	return fmt.Sprintf("stable checkpoint %s, view change %s, both %s, state transfer %s; n: %s; workers: %d",
		pct(s.Checkpointed), pct(s.ViewChanged), pct(s.CheckpointAndVC), pct(s.StateTransferred),
		strings.Join(ns, " "), s.Workers)
}

func (s *SwarmSummary) add(r *Result) {
	s.Seeds++
	s.Last = r.Seed
	if r.OK() {
		s.Passed++
	} else {
		s.Failed++
	}
	cp, vc := r.StableCheckpoint > 0, r.View > 0
	if cp {
		s.Checkpointed++
	}
	if vc {
		s.ViewChanged++
	}
	if cp && vc {
		s.CheckpointAndVC++
	}
	if r.StateTransfers > 0 {
		s.StateTransferred++
	}
	if s.ByReplicas == nil {
		s.ByReplicas = map[int]int{}
	}
	s.ByReplicas[r.N]++
}

// Swarm runs seeds first..first+count-1 of base (base.Seed is ignored) on workers goroutines (0: GOMAXPROCS) and
// calls each, on the calling goroutine, with the results in seed order.
//
// If stop (may be nil) holds for a result, Swarm hands out no seed above it, delivers every seed below it and that
// result last, and returns it in SwarmSummary.Stop. The swarm therefore ends at the lowest seed for which stop
// holds, whatever the scheduling. stop is called on the calling goroutine, once per result that may still be
// delivered, in completion order: it must depend on the result alone.
//
// Seeds beyond the stopping one that were already running are waited for and dropped: Swarm returns with no
// simulation left running.
func Swarm(base Options, first uint64, count int, workers int, stop func(*Result) bool, each func(*Result)) SwarmSummary {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, count))
	sum := SwarmSummary{First: first, Last: first - 1, Workers: workers}
	if count <= 0 {
		return sum
	}
	t0 := time.Now()
	jobs := make(chan uint64)
	results := make(chan *Result, workers)
	var wg sync.WaitGroup
	runSeeds(base, workers, jobs, results, &wg)
	window := uint64(swarmWindowPerWorker * workers)
	next, end := first, first+uint64(count) // next seed to hand out; end: no seed at or above it is delivered
	floor := first                          // the lowest seed not delivered yet
	done := map[uint64]*Result{}            // finished, waiting for a lower seed
	for floor < end {
		var give chan<- uint64 // nil (blocks) when there is nothing to hand out
		if next < end && next < floor+window {
			give = jobs
		}
		select {
		case give <- next:
			next++
		case r := <-results:
			if r.Seed >= end {
				continue // above a seed that stopped the swarm
			}
			if stop != nil && stop(r) {
				end = r.Seed + 1
				sum.Stop = r
				for s := range done {
					if s >= end {
						delete(done, s)
					}
				}
			}
			done[r.Seed] = r
			for {
				d, ok := done[floor]
				if !ok {
					break
				}
				delete(done, floor)
				floor++
				sum.add(d)
				if each != nil {
					each(d)
				}
			}
		}
	}
	close(jobs)
	go func() { wg.Wait(); close(results) }()
	for range results { // runs above a stopping seed that were in flight
	}
	sum.Elapsed = time.Since(t0)
	return sum
}

// runSeeds starts workers goroutines that run base with each seed jobs hands out and send the results; wg
// counts them.
func runSeeds(base Options, workers int, jobs <-chan uint64, results chan<- *Result, wg *sync.WaitGroup) {
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seed := range jobs {
				o := base
				o.Seed = seed
				results <- Run(o)
			}
		}()
	}
}
