package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/node"
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
	extra := c.Int("c")
	g := &genesis.Genesis{ChainID: c.String("chain-id"), F: (n - 2*extra - 1) / 3, C: extra,
		CheckpointInterval: genesis.DefaultCheckpointInterval}
	keys := make([]ed25519.PrivateKey, n)
	blsSeeds := make([][]byte, n)
	cfgs := make([]node.Config, n)
	for i := 0; i < n; i++ {
		host := hosts[0]
		if len(hosts) == n {
			host = hosts[i]
		}
		base := c.Int("base-port") + portsPerReplica*i
		keys[i] = genesis.GenerateKey()
		pub := keys[i].Public().(ed25519.PublicKey)
		pid, err := genesis.PeerIDOf(pub)
		if err != nil {
			return err
		}
		seed, blsKey, err := bls.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		blsSeeds[i] = seed
		blsPub := blsKey.PublicKey()
		tcp := fmt.Sprintf("/ip4/%s/tcp/%d", host, base)
		quic := fmt.Sprintf("/ip4/%s/udp/%d/quic-v1", host, base+1)
		g.Replicas = append(g.Replicas, genesis.Replica{Index: uint32(i), PeerID: pid.String(),
			PubKey: hex.EncodeToString(pub), BLSPubKey: hex.EncodeToString(blsPub.Bytes()),
			BLSPoP: hex.EncodeToString(blsKey.ProvePossession().Bytes()), Multiaddrs: []string{tcp, quic}})
		cfgs[i] = node.DefaultConfig()
		cfgs[i].Listen = []string{tcp, quic}
		cfgs[i].HTTPAddr = fmt.Sprintf("%s:%d", host, base+2)
	}
	if err := g.Validate(); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := g.Save(filepath.Join(dir, "genesis.json")); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		home := filepath.Join(dir, fmt.Sprintf("replica-%d", i))
		if err := os.MkdirAll(filepath.Join(home, "data"), 0o700); err != nil {
			return err
		}
		if err := genesis.SaveKeys(filepath.Join(home, cfgs[i].KeyFile), keys[i], blsSeeds[i]); err != nil {
			return err
		}
		if err := cfgs[i].Save(home); err != nil {
			return err
		}
	}
	for j := 0; j < c.Int("clients"); j++ {
		home := filepath.Join(dir, fmt.Sprintf("client-%d", j))
		if err := os.MkdirAll(home, 0o700); err != nil {
			return err
		}
		if err := genesis.SaveKey(filepath.Join(home, clientKeyFile), genesis.GenerateKey()); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.App.Writer, "wrote a network of %d replicas (f=%d, chain %s) and %d clients to %s\n",
		n, g.F, g.ChainID, c.Int("clients"), dir)
	return nil
}
