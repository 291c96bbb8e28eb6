package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/genesis"
)

func genesisCommand() *cli.Command {
	return &cli.Command{
		Name:      "genesis",
		Usage:     "assemble a network's genesis from its replicas' public parts (public.json of `sbft init`), in index order",
		ArgsUsage: "PUBLIC.json [PUBLIC.json ...]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "chain-id", Required: true, Usage: "chain ID, bound into every signature"},
			&cli.StringFlag{Name: "out", Required: true, Usage: "genesis file to write (must not exist)"},
			&cli.IntFlag{Name: "c", Value: 0, Usage: "extra replicas the fast path tolerates being slow or down (f = (n-2c-1)/3)"},
			&cli.Uint64Flag{Name: "checkpoint-interval", Value: genesis.DefaultCheckpointInterval, Usage: "sequence numbers between checkpoints"},
		},
		Action: runGenesis,
	}
}

func runGenesis(c *cli.Context) error {
	if c.NArg() == 0 {
		return fmt.Errorf("give the replicas' public.json files, in index order")
	}
	parts := make([]*genesis.Public, 0, c.NArg())
	for _, path := range c.Args().Slice() {
		p, err := genesis.LoadPublic(path)
		if err != nil {
			return err
		}
		parts = append(parts, p)
	}
	g, err := genesis.Assemble(c.String("chain-id"), c.Int("c"), c.Uint64("checkpoint-interval"), parts)
	if err != nil {
		return err
	}
	if err := saveNew(c.String("out"), g.Marshal()); err != nil {
		return err
	}
	fmt.Fprintf(c.App.ErrWriter, "sbft: wrote %s: chain %s, %d replicas, f=%d, c=%d; give it to every replica (sbft start --network %s)\n",
		c.String("out"), g.ChainID, g.N(), g.F, g.C, c.String("out"))
	return nil
}

// saveNew writes a file that must not exist yet.
func saveNew(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
