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
			&cli.IntFlag{Name: "replicas", Usage: "n, 4 to 256 (default: drawn from the seed)"},
			&cli.IntFlag{Name: "steps", Usage: fmt.Sprintf("ticks of the safety phase (default %d; %d above %d replicas)", sim.StepsDefault, sim.StepsLarge, sim.LargeReplicas)},
			&cli.BoolFlag{Name: "quiet", Usage: "no random faults (loss, duplication, crashes, partitions, byzantine replicas, skew); delays of at most 2 ticks"},
			&cli.StringFlag{Name: "outage", Usage: "take replica R down from tick FROM to tick UNTIL: R:FROM-UNTIL (e.g. 1:1-100000: the whole run, so the slow path; 0:500-100000: the first primary, so a view change)"},
			&cli.BoolFlag{Name: "report", Usage: "print the correct replicas' traffic per committed block by role, beside what PBFT's all-to-all would send"},
			&cli.IntFlag{Name: "checkpoint-interval", Usage: fmt.Sprintf("sequence numbers between checkpoints (default %d; %d above %d replicas; production: 150)",
				sim.CheckpointIntervalDefault, sim.CheckpointIntervalLarge, sim.LargeReplicas)},
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
	opts := sim.Options{Replicas: c.Int("replicas"), Steps: c.Int("steps"), CheckpointInterval: c.Int("checkpoint-interval"),
		Quiet: c.Bool("quiet")}
	if o := c.String("outage"); o != "" {
		if _, err := fmt.Sscanf(o, "%d:%d-%d", &opts.Outage.Replica, &opts.Outage.From, &opts.Outage.Until); err != nil ||
			opts.Outage.From >= opts.Outage.Until {
			return cli.Exit(fmt.Sprintf("--outage %q: want R:FROM-UNTIL with FROM < UNTIL (ticks)", o), 2)
		}
	}
	sum := sim.Swarm(opts, start, count, c.Int("workers"), nil,
		func(r *sim.Result) {
			if !r.OK() || count == 1 || c.Bool("verbose") {
				fmt.Fprintln(out, r)
			}
			if c.Bool("report") {
				fmt.Fprintln(out, r.Traffic)
				fmt.Fprintln(out, r.Traffic.Row())
			}
			if !r.OK() {
				fmt.Fprintf(out, "reproduce: sbft-sim --seed %d", r.Seed)
				for _, flag := range []string{"replicas", "steps", "checkpoint-interval"} {
					if c.IsSet(flag) {
						fmt.Fprintf(out, " --%s %d", flag, c.Int(flag))
					}
				}
				if c.Bool("quiet") {
					fmt.Fprint(out, " --quiet")
				}
				if c.IsSet("outage") {
					fmt.Fprintf(out, " --outage %s", c.String("outage"))
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
