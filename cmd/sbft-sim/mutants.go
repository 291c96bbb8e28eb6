//go:build mutants

package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/mutant"
	"github.com/sbftnet/sbft/sim"
)

// In a build with the mutants tag, `sbft-sim mutants` hunts every planted bug with the simulator swarm.
func init() { extraCommands = append(extraCommands, mutantsCommand()) }

func mutantsCommand() *cli.Command {
	return &cli.Command{
		Name:  "mutants",
		Usage: "plant each known bug in turn and run the simulator swarm until a safety checker catches it",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "seeds", Value: 300, Usage: "seeds per bug at most"},
			&cli.IntFlag{Name: "workers", Usage: "parallel simulations (default: every core)"},
			&cli.StringFlag{Name: "only", Usage: "comma-separated bug names (default: all)"},
		},
		Action: runMutants,
	}
}

func runMutants(c *cli.Context) error {
	bugs := mutant.Catalogue
	if only := c.String("only"); only != "" {
		bugs = nil
		for _, name := range strings.Split(only, ",") {
			bugs = append(bugs, mutant.Bug(strings.TrimSpace(name)))
		}
	}
	caught := 0
	for _, b := range bugs {
		h := sim.HuntMutant(b, c.Int("seeds"), c.Int("workers"))
		fmt.Fprintln(c.App.Writer, h)
		if h.Caught {
			caught++
		}
	}
	fmt.Fprintf(c.App.Writer, "caught %d of %d planted bugs\n", caught, len(bugs))
	if caught < len(bugs) {
		return cli.Exit("", 1)
	}
	return nil
}
