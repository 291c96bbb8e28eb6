package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/client"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/wire"
)

func benchReadsCommand() *cli.Command {
	return &cli.Command{
		Name:  "bench-reads",
		Usage: "read keys PREFIXi from a client node as fast as it answers, verifying every proof; report reads/s and latency",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "node", Required: true, Usage: "URL of the client node (sbft follow --http)"},
			&cli.StringFlag{Name: "network", Required: true, Usage: "path of the network's genesis.json (the proofs are checked against it)"},
			&cli.StringFlag{Name: "prefix", Value: "key-", Usage: "keys read are PREFIX0 .. PREFIX(keys-1) (written by `sbft client fill`)"},
			&cli.IntFlag{Name: "keys", Value: 1000, Usage: "number of keys"},
			&cli.IntFlag{Name: "concurrency", Value: 16, Usage: "reads outstanding at once"},
			&cli.DurationFlag{Name: "duration", Value: 10 * time.Second, Usage: "how long to read"},
			&cli.BoolFlag{Name: "no-verify", Usage: "do not check the proofs (measures the node alone)"},
			&cli.StringFlag{Name: "json-out", Usage: "also write the summary as one JSON object to this file"},
		},
		Action: runBenchReads,
	}
}

// readBenchResult is bench-reads' summary.
type readBenchResult struct {
	Concurrency  int     `json:"concurrency"`
	DurationS    float64 `json:"duration_s"`
	Reads        int64   `json:"reads"`
	ReadsPerS    float64 `json:"reads_per_s"`
	Verified     bool    `json:"verified"`
	Errors       int64   `json:"errors"`
	FirstError   string  `json:"first_error,omitempty"`
	P50Ms        float64 `json:"p50_ms"`
	P99Ms        float64 `json:"p99_ms"`
	ReaderCPUS   float64 `json:"reader_cpu_s"`
	HeightsSeen  int     `json:"heights_seen"` // distinct certified heights answered at
	NotFoundKeys int64   `json:"not_found"`
}

func runBenchReads(c *cli.Context) error {
	g, err := genesis.Load(c.String("network"))
	if err != nil {
		return err
	}
	conc, keys, verify := max(1, c.Int("concurrency")), max(1, c.Int("keys")), !c.Bool("no-verify")
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	node, err := nodeURL(c.String("node"))
	if err != nil {
		return err
	}
	base := node + "/kv/" + c.String("prefix")
	pv := client.NewProofVerifier(g.ChainID, g.F, g.BLSPublicKeys())
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("duration"))
	defer cancel()
	var reads, errs, notFound atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr string
	heights := map[uint64]bool{}
	fail := func(err error) {
		errs.Add(1)
		mu.Lock()
		if firstErr == "" {
			firstErr = err.Error()
		}
		mu.Unlock()
	}
	cpu0, start := cpuSeconds(), time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var mine []time.Duration
			for ctx.Err() == nil {
				t0 := time.Now()
				r, err := readOne(hc, fmt.Sprintf("%s%d", base, rng.IntN(keys)), pv, verify)
				if err != nil {
					if ctx.Err() == nil {
						fail(err)
					}
					continue
				}
				mine = append(mine, time.Since(t0))
				reads.Add(1)
				if !r.Found {
					notFound.Add(1)
				}
				mu.Lock()
				heights[r.Height] = true
				mu.Unlock()
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	res := readBenchResult{Concurrency: conc, DurationS: elapsed.Seconds(), Reads: reads.Load(),
		ReadsPerS: float64(reads.Load()) / elapsed.Seconds(), Verified: verify, Errors: errs.Load(), FirstError: firstErr,
		P50Ms: pct(0.5), P99Ms: pct(0.99), ReaderCPUS: cpuSeconds() - cpu0, HeightsSeen: len(heights), NotFoundKeys: notFound.Load()}
	b, _ := json.Marshal(res)
	fmt.Fprintln(c.App.Writer, string(b))
	if p := c.String("json-out"); p != "" {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// readOne reads one key from a client node and, if verify, checks its proof.
func readOne(hc *http.Client, url string, pv *client.ProofVerifier, verify bool) (*wire.ReadJSON, error) {
	resp, err := hc.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	var j wire.ReadJSON
	if err := json.NewDecoder(resp.Body).Decode(&j); err != nil {
		return nil, err
	}
	if verify {
		p, err := j.ProvenRead()
		if err == nil {
			err = pv.VerifyRead(p)
		}
		if err != nil {
			return nil, err
		}
	}
	return &j, nil
}
