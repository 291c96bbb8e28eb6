package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/genesis"
)

// Port layout of replica i: base+10i (TCP), base+10i+1 (QUIC), base+10i+2 (HTTP status and metrics).
const portsPerReplica = 10

func testnetCommand() *cli.Command {
	return &cli.Command{
		Name:  "testnet",
		Usage: "write the genesis, replica homes and client keys of a new network",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "replicas", Value: 4, Usage: "number of replicas n (f = (n-2c-1)/3)"},
			&cli.IntFlag{Name: "c", Value: 0, Usage: "extra replicas the fast path tolerates being slow or down (n >= 3f+2c+1)"},
			&cli.StringFlag{Name: "dir", Required: true, Usage: "output directory (must not hold a network yet)"},
			&cli.StringSliceFlag{Name: "host", Value: cli.NewStringSlice("127.0.0.1"),
				Usage: "IPv4 address replicas listen on; give one per replica to put each on its own host"},
			&cli.IntFlag{Name: "base-port", Value: 26600, Usage: "first port; replica i uses base+10i .. base+10i+2"},
			&cli.IntFlag{Name: "clients", Value: 1, Usage: "client key directories to create"},
			&cli.StringFlag{Name: "chain-id", Value: "sbft-testnet", Usage: "chain ID, bound into every signature"},
		},
		Action: runTestnet,
	}
}

// runTestnet is `sbft init` for each replica and `sbft genesis` over their public parts, all in one directory:
// right for a laptop, where one operator holds every key.
func runTestnet(c *cli.Context) error {
	n, dir, hosts := c.Int("replicas"), c.String("dir"), c.StringSlice("host")
	if n < 4 || n > genesis.ReplicasMax {
		return fmt.Errorf("--replicas %d: need 4..%d", n, genesis.ReplicasMax)
	}
	if len(hosts) != 1 && len(hosts) != n {
		return fmt.Errorf("--host: give one address or %d", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "genesis.json")); err == nil {
		return fmt.Errorf("%s already holds a network (genesis.json exists)", dir)
	}
	parts := make([]*genesis.Public, n)
	for i := range n {
		host := hosts[0]
		if len(hosts) == n {
			host = hosts[i]
		}
		base := c.Int("base-port") + portsPerReplica*i
		listen := []string{fmt.Sprintf("/ip4/%s/tcp/%d", host, base), fmt.Sprintf("/ip4/%s/udp/%d/quic-v1", host, base+1)}
		var err error
		parts[i], err = initHome(filepath.Join(dir, fmt.Sprintf("replica-%d", i)), listen, nil, fmt.Sprintf("%s:%d", host, base+2), "../genesis.json")
		if err != nil {
			return err
		}
	}
	g, err := genesis.Assemble(c.String("chain-id"), c.Int("c"), genesis.DefaultCheckpointInterval, parts)
	if err != nil {
		return err
	}
	if err := saveNew(filepath.Join(dir, "genesis.json"), g.Marshal()); err != nil {
		return err
	}
	for j := 0; j < c.Int("clients"); j++ {
		if _, err := initClientHome(filepath.Join(dir, fmt.Sprintf("client-%d", j))); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.App.Writer, "wrote a network of %d replicas (f=%d, chain %s) and %d clients to %s\n",
		n, g.F, g.ChainID, c.Int("clients"), dir)
	return nil
}
