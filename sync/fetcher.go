package sync

import (
	"context"
	"fmt"
	gosync "sync"
	"time"
)

// BlockSource fetches blocks from..to (ascending) from one source.
type BlockSource interface {
	Blocks(ctx context.Context, src SourceID, from, to uint64) ([]Block, error)
}

// Fetch runs a planner to the end: each request on its own goroutine with a deadline, answers fed back into
// the planner, progress reported every progressEvery. It returns the verified blocks base+1..target in
// ascending order, or the context's error.
func Fetch(ctx context.Context, cfg Config, t Target, base uint64, sources []SourceID, bs BlockSource,
	progressEvery time.Duration, onProgress func(Progress)) ([]Block, error) {
	p, err := NewPlanner(cfg, t, base, sources)
	if err != nil {
		return nil, err
	}
	type answer struct {
		id     uint64
		blocks []Block
		err    error
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg gosync.WaitGroup
	defer wg.Wait()
	defer cancel()
	answers := make(chan answer, len(sources)*cfg.InFlightPerSource)
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	for !p.Done() {
		now := time.Now()
		for _, r := range p.Next(now) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rctx, rcancel := context.WithTimeout(ctx, cfg.RequestTimeout)
				defer rcancel()
				blocks, err := bs.Blocks(rctx, r.Source, r.From, r.To)
				select {
				case answers <- answer{r.ID, blocks, err}:
				case <-ctx.Done():
				}
			}()
		}
		select {
		case a := <-answers:
			if a.err != nil {
				p.Fail(time.Now(), a.id)
				continue
			}
			_ = p.Deliver(time.Now(), a.id, a.blocks) // a lying source is penalized inside
		case <-tick.C:
			p.Expire(time.Now())
			if onProgress != nil {
				onProgress(p.Progress())
			}
		case <-ctx.Done():
			return nil, fmt.Errorf("state transfer to height %d: %w", t.Height, ctx.Err())
		}
	}
	if onProgress != nil {
		onProgress(p.Progress())
	}
	return p.Verified(), nil
}
