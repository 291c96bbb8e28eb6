package main

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/node/sim"
)

func simCommand() *cli.Command {
	return &cli.Command{
		Name:  "sim",
		Usage: "run the deterministic simulator: seeded faults, safety and liveness checkers",
		Flags: []cli.Flag{
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "the seed (with --seeds, the first one)"},
			&cli.IntFlag{Name: "seeds", Value: 1, Usage: "how many consecutive seeds to run (a swarm)"},
			&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print every seed's result, not only failures"},
			&cli.IntFlag{Name: "replicas", Usage: "n (default: drawn from the seed among 4 and 7)"},
			&cli.IntFlag{Name: "steps", Usage: "ticks of the safety phase (default 600)"},
			&cli.IntFlag{Name: "checkpoint-interval", Usage: fmt.Sprintf("sequence numbers between checkpoints (default %d; production: 150)", sim.CheckpointIntervalDefault)},
		},
		Action: runSim,
	}
}

func runSim(c *cli.Context) error {
	start, count := c.Uint64("seed"), c.Int("seeds")
	failed := 0
	t0 := time.Now()
	for k := 0; k < count; k++ {
		seed := start + uint64(k)
		r := sim.Run(sim.Options{Seed: seed, Replicas: c.Int("replicas"), Steps: c.Int("steps"),
			CheckpointInterval: c.Int("checkpoint-interval")})
		if !r.OK() || count == 1 || c.Bool("verbose") {
			fmt.Fprintln(c.App.Writer, r)
		}
		if !r.OK() {
			failed++
			fmt.Fprintf(c.App.Writer, "reproduce: sbft sim --seed %d", seed)
			for _, flag := range []string{"replicas", "steps", "checkpoint-interval"} {
				if c.IsSet(flag) {
					fmt.Fprintf(c.App.Writer, " --%s %d", flag, c.Int(flag))
				}
			}
			fmt.Fprintln(c.App.Writer)
		}
	}
	el := time.Since(t0).Seconds()
	fmt.Fprintf(c.App.Writer, "%d seeds (%d..%d): %d passed, %d failed in %.1fs (%.1f seeds/s)\n",
		count, start, start+uint64(count)-1, count-failed, failed, el, float64(count)/el)
	if failed > 0 {
		return cli.Exit("", 1)
	}
	return nil
}
