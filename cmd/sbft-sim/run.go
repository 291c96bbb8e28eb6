package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/sim"
)

func simCommand() *cli.Command {
	return &cli.Command{
		Name:  "sim",
		Usage: "run the deterministic simulator: seeded faults, safety and liveness checkers",
		Flags: []cli.Flag{
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "the seed (with --seeds, the first one)"},
			&cli.IntFlag{Name: "seeds", Value: 1, Usage: "how many consecutive seeds to run (a swarm)"},
			&cli.IntFlag{Name: "workers", Usage: "seeds run in parallel (default: one per core)"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print every seed's result, not only failures"},
			&cli.IntFlag{Name: "replicas", Usage: "n (default: drawn from the seed among 4 and 7)"},
			&cli.IntFlag{Name: "steps", Usage: "ticks of the safety phase (default 1500)"},
			&cli.IntFlag{Name: "checkpoint-interval", Usage: fmt.Sprintf("sequence numbers between checkpoints (default %d; production: 150)", sim.CheckpointIntervalDefault)},
		},
		Action: runSim,
	}
}

func runSim(c *cli.Context) error {
	start, count := c.Uint64("seed"), c.Int("seeds")
	if count < 1 {
		return cli.Exit("--seeds must be at least 1", 2)
	}
	out := c.App.Writer
	opts := sim.Options{Replicas: c.Int("replicas"), Steps: c.Int("steps"), CheckpointInterval: c.Int("checkpoint-interval")}
	sum := sim.Swarm(opts, start, count, c.Int("workers"), nil,
		func(r *sim.Result) {
			if !r.OK() || count == 1 || c.Bool("verbose") {
				fmt.Fprintln(out, r)
			}
			if !r.OK() {
				fmt.Fprintf(out, "reproduce: sbft-sim --seed %d", r.Seed)
				for _, flag := range []string{"replicas", "steps", "checkpoint-interval"} {
					if c.IsSet(flag) {
						fmt.Fprintf(out, " --%s %d", flag, c.Int(flag))
					}
				}
				fmt.Fprintln(out)
			}
		})
	fmt.Fprintf(out, "%d seeds (%d..%d): %d passed, %d failed in %.1fs (%.1f seeds/s)\n",
		sum.Seeds, sum.First, sum.Last, sum.Passed, sum.Failed, sum.Elapsed.Seconds(), sum.SeedsPerSecond())
	if count > 1 {
		fmt.Fprintln(out, sum.Coverage())
	}
	if sum.Failed > 0 {
		return cli.Exit("", 1)
	}
	return nil
}
