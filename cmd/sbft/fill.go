package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sbftnet/sbft/client"
	"github.com/urfave/cli/v2"
)

func fillCommand() *cli.Command {
	flags := append(clientFlags(),
		&cli.IntFlag{Name: "count", Value: 1000, Usage: "number of keys to write"},
		&cli.StringFlag{Name: "prefix", Value: "key-", Usage: "keys are PREFIX0 .. PREFIX(count-1), values value-0 .."},
		&cli.IntFlag{Name: "concurrency", Value: 64, Usage: "transactions outstanding at once"},
	)
	for _, f := range flags {
		if d, ok := f.(*cli.DurationFlag); ok && d.Name == "timeout" {
			d.Value = 5 * time.Minute
		}
	}
	return &cli.Command{
		Name:   "fill",
		Usage:  "write COUNT keys PREFIXi=value-i, each acknowledged by f+1 replicas; shows progress",
		Flags:  flags,
		Action: runFill,
	}
}

func runFill(c *cli.Context) error {
	return withClient(c, func(ctx context.Context, cl *client.Client) error { return fill(ctx, c, cl) })
}

// fill writes --count keys with progress, on a few goroutines.
func fill(ctx context.Context, c *cli.Context, cl *client.Client) error {
	count, prefix := c.Int("count"), c.String("prefix")
	var done, failed atomic.Int64
	var firstErr atomic.Value
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < max(1, c.Int("concurrency")); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				_, err := cl.Put(ctx, fmt.Appendf(nil, "%s%d", prefix, i), fmt.Appendf(nil, "value-%d", i))
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				done.Add(1)
			}
		}()
	}
	start := time.Now()
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fmt.Fprintf(os.Stderr, "fill: %d/%d written, %d failed\n", done.Load(), count, failed.Load())
			}
		}
	}()
	for i := 0; i < count && ctx.Err() == nil; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	close(stop)
	fmt.Fprintf(c.App.Writer, "wrote %d of %d keys in %.1fs (%d failed)\n", done.Load(), count, time.Since(start).Seconds(), failed.Load())
	if failed.Load() > 0 || done.Load() != int64(count) {
		return fmt.Errorf("%d of %d writes failed; first error: %v", int64(count)-done.Load(), count, firstErr.Load())
	}
	return nil
}
