package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/client"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/p2p"
)

func benchCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench",
		Usage: "offer a constant load of signed puts and report committed tx/s and latency percentiles",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "network", Required: true, Usage: "path of the network's genesis.json"},
			&cli.IntFlag{Name: "clients", Value: 4, Usage: "client identities (each with its own key and sessions)"},
			&cli.IntFlag{Name: "rate", Value: 1000, Usage: "offered load in tx/s, over all clients"},
			&cli.DurationFlag{Name: "duration", Value: 10 * time.Second, Usage: "how long to offer load"},
			&cli.IntFlag{Name: "keys", Value: 100_000, Usage: "size of the key space written"},
			&cli.IntFlag{Name: "value-bytes", Value: 32, Usage: "value size"},
			&cli.IntFlag{Name: "in-flight-max", Value: 20_000, Usage: "outstanding transactions per client before sends count as errors"},
			&cli.BoolFlag{Name: "presign", Usage: "sign every transaction before the clock starts (the generator's signing then costs nothing during the run)"},
			&cli.BoolFlag{Name: "json", Usage: "print the summary as one JSON object"},
			&cli.StringFlag{Name: "json-out", Usage: "also write the summary as one JSON object to this file"},
			&cli.StringFlag{Name: "prefer-transport", Value: p2p.TransportTCP, Usage: "transport dialled first: tcp or quic"},
			&cli.StringFlag{Name: "cpuprofile", Usage: "write the load generator's CPU profile of the run to this file"},
		},
		Action: runBench,
	}
}

// benchResult is the JSON summary contract.
type benchResult struct {
	Clients      int     `json:"clients"`
	OfferedRate  int     `json:"offered_rate"`
	DurationS    float64 `json:"duration_s"`
	Sent         int64   `json:"sent"`
	Committed    int64   `json:"committed"`
	CommittedTPS float64 `json:"committed_tps"`
	P50Ms        float64 `json:"p50_ms"`
	P90Ms        float64 `json:"p90_ms"`
	P99Ms        float64 `json:"p99_ms"`
	MaxMs        float64 `json:"max_ms"`
	Errors       int64   `json:"errors"`
	FirstError   string  `json:"first_error,omitempty"`
	// ErrorsByKind counts the errors by what the client saw: a rejection or failure with its reason, or no
	// quorum in time. Under overload only "rejected: replica busy" should appear.
	ErrorsByKind map[string]int64 `json:"errors_by_kind,omitempty"`
	// GeneratorCPUS is the CPU time (user+system) this load generator used, for telling its cost from the
	// replicas' on a shared machine.
	GeneratorCPUS float64 `json:"generator_cpu_s"`
}

type benchState struct {
	sent, committed, errors atomic.Int64
	mu                      sync.Mutex
	latencies               []time.Duration
	firstErr                string
	byKind                  map[string]int64
}

func (s *benchState) done(lat time.Duration, err error) {
	if err != nil {
		s.errors.Add(1)
		s.mu.Lock()
		if s.firstErr == "" {
			s.firstErr = err.Error()
		}
		if s.byKind == nil {
			s.byKind = map[string]int64{}
		}
		s.byKind[errorKind(err)]++
		s.mu.Unlock()
		return
	}
	s.committed.Add(1)
	s.mu.Lock()
	s.latencies = append(s.latencies, lat)
	s.mu.Unlock()
}

// errorKind names the class of a client error for the summary.
func errorKind(err error) string {
	var rej *client.RejectedError
	var failed *client.FailedError
	switch {
	case errors.As(err, &rej):
		return "rejected: " + rej.Reason.String()
	case errors.As(err, &failed):
		return "failed: " + failed.Result.Code.String()
	case errors.Is(err, client.ErrBusy):
		return "busy (network at capacity)"
	case errors.Is(err, client.ErrNoQuorum):
		return "outcome unknown: no f+1 replies in time"
	}
	return "other"
}

// cpuSeconds is the user and system CPU time this process used so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// startCPUProfile profiles this process into path until the returned function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func runBench(c *cli.Context) error {
	g, err := genesis.Load(c.String("network"))
	if err != nil {
		return err
	}
	replicas, err := g.P2PReplicas()
	if err != nil {
		return err
	}
	nc, rate := c.Int("clients"), c.Int("rate")
	if nc < 1 || rate < 1 {
		return fmt.Errorf("--clients and --rate must be positive")
	}
	clients := make([]*client.Client, nc)
	// One proof checker for all: each block's execution certificate is checked once, as one application
	// process with many sessions would.
	proofs := client.NewProofVerifier(g.ChainID, g.F, g.BLSPublicKeys())
	for i := range clients {
		if clients[i], err = client.New(client.Config{Genesis: g, Key: genesis.GenerateKey(), Proofs: proofs,
			PreferTransport: c.String("prefer-transport")}, replicas); err != nil {
			return err
		}
		defer clients[i].Close()
	}
	st := &benchState{}
	dur := c.Duration("duration")
	rateOf := func(i int) int { return rate/nc + boolInt(i < rate%nc) }
	signed := make([][][]byte, nc)
	if c.Bool("presign") {
		for i, cl := range clients {
			signed[i] = presign(c, cl, uint64(i), rateOf(i), dur)
		}
	}
	ctx, cancel := context.WithCancel(c.Context)
	defer cancel()
	stopProgress := startProgress(st, dur)
	if path := c.String("cpuprofile"); path != "" {
		stopProfile, err := startCPUProfile(path)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	start, cpuStart := time.Now(), cpuSeconds()
	var wg sync.WaitGroup
	for i, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			offer(ctx, c, cl, uint64(i), rateOf(i), dur, st, signed[i])
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopProgress()
	res := summarize(st, nc, rate, elapsed)
	res.GeneratorCPUS = cpuSeconds() - cpuStart
	b, _ := json.Marshal(res)
	if path := c.String("json-out"); path != "" {
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("write summary: %w", err)
		}
	}
	if c.Bool("json") {
		fmt.Fprintln(c.App.Writer, string(b))
		return nil
	}
	fmt.Fprintf(c.App.Writer, "clients %d, offered %d tx/s for %.1fs: sent %d, committed %d (%.0f tx/s), errors %d\n",
		res.Clients, res.OfferedRate, res.DurationS, res.Sent, res.Committed, res.CommittedTPS, res.Errors)
	fmt.Fprintf(c.App.Writer, "latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n", res.P50Ms, res.P90Ms, res.P99Ms, res.MaxMs)
	if res.FirstError != "" {
		fmt.Fprintf(c.App.Writer, "first error: %s\n", res.FirstError)
	}
	for _, k := range slices.Sorted(maps.Keys(res.ErrorsByKind)) {
		fmt.Fprintf(c.App.Writer, "errors: %d %s\n", res.ErrorsByKind[k], k)
	}
	fmt.Fprintf(c.App.Writer, "load generator CPU: %.1f s (%.0f%% of one core)\n", res.GeneratorCPUS, 100*res.GeneratorCPUS/elapsed.Seconds())
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// offer paces one client's puts at rate tx/s (open loop: a slow network does not slow the offer) and waits for
// the outstanding ones at the end.
// With signed (from presign), it sends those instead of signing as it goes.
func offer(ctx context.Context, c *cli.Context, cl *client.Client, seed uint64, rate int, dur time.Duration, st *benchState, signed [][]byte) {
	if rate == 0 {
		return
	}
	rng := rand.New(rand.NewPCG(seed, uint64(time.Now().UnixNano())))
	value := make([]byte, c.Int("value-bytes"))
	sem := make(chan struct{}, c.Int("in-flight-max"))
	interval := time.Second / time.Duration(rate)
	nextKey := func() []byte { return fmt.Appendf(nil, "bench-%d", rng.IntN(c.Int("keys"))) }
	put := func(ctx context.Context, key []byte, _ int) error { _, err := cl.Put(ctx, key, value); return err }
	if signed != nil {
		put = func(ctx context.Context, _ []byte, k int) error { _, err := cl.SubmitRaw(ctx, signed[k]); return err }
	}
	var wg sync.WaitGroup
	start := time.Now()
	for k := 0; ; k++ {
		next := start.Add(time.Duration(k) * interval)
		if next.Sub(start) >= dur || ctx.Err() != nil || signed != nil && k >= len(signed) {
			break
		}
		if d := time.Until(next); d > 0 {
			time.Sleep(d) // pacing the offered load, not synchronisation
		}
		key := nextKey()
		st.sent.Add(1)
		select {
		case sem <- struct{}{}:
		default:
			st.done(0, fmt.Errorf("more than %d transactions outstanding", cap(sem)))
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			t0 := time.Now()
			tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			err := put(tctx, key, k)
			st.done(time.Since(t0), err)
		}()
	}
	wg.Wait()
}

// presign signs what a client at rate tx/s offers for dur: puts of valueBytes to random keys, before the clock
// starts (nonces increase in the order they are sent).
func presign(c *cli.Context, cl *client.Client, seed uint64, rate int, dur time.Duration) [][]byte {
	if rate == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	value := make([]byte, c.Int("value-bytes"))
	txs := make([][]byte, int(dur/(time.Second/time.Duration(rate)))+1)
	for i := range txs {
		key := fmt.Appendf(nil, "bench-%d", rng.IntN(c.Int("keys")))
		txs[i] = cl.NewTx(chain.OpPut, key, value, 0).Marshal()
	}
	return txs
}

// startProgress prints a progress line to stderr every second until stopped.
func startProgress(st *benchState, dur time.Duration) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		start, last := time.Now(), int64(0)
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				c := st.committed.Load()
				fmt.Fprintf(os.Stderr, "bench: %4.0fs/%.0fs sent %d committed %d (%d tx/s) errors %d\n",
					now.Sub(start).Seconds(), dur.Seconds(), st.sent.Load(), c, c-last, st.errors.Load())
				last = c
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func summarize(st *benchState, clients, rate int, elapsed time.Duration) benchResult {
	st.mu.Lock()
	defer st.mu.Unlock()
	lat := st.latencies
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		i := min(len(lat)-1, int(p*float64(len(lat))))
		return float64(lat[i].Microseconds()) / 1000
	}
	return benchResult{
		Clients: clients, OfferedRate: rate, DurationS: elapsed.Seconds(),
		Sent: st.sent.Load(), Committed: st.committed.Load(),
		CommittedTPS: float64(st.committed.Load()) / elapsed.Seconds(),
		P50Ms:        pct(0.50), P90Ms: pct(0.90), P99Ms: pct(0.99), MaxMs: pct(1),
		Errors: st.errors.Load(), FirstError: st.firstErr, ErrorsByKind: maps.Clone(st.byKind),
	}
}
