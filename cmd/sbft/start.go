package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/multiformats/go-multiaddr"
	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/node"
)

func startCommand() *cli.Command {
	return &cli.Command{
		Name:  "start",
		Usage: "run a replica until SIGINT or SIGTERM",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "home", Required: true, EnvVars: []string{"SBFT_HOME"}, Usage: "replica home directory"},
			&cli.StringFlag{Name: "network", Usage: "genesis file (overrides genesis in config.toml)"},
			&cli.StringSliceFlag{Name: "peer", Usage: "multiaddr (with /p2p/<peer-id>) of a replica to join through; repeatable"},
			&cli.StringFlag{Name: "log-level", Usage: "debug, info, warn or error (overrides config.toml)"},
			&cli.BoolFlag{Name: "log-json", Usage: "log JSON lines instead of text"},
			&cli.BoolFlag{Name: "recover", Usage: "start although the store lost what this replica had signed and acknowledged " +
				"(it refuses otherwise), and catch up from the other replicas"},
		},
		Action: runStart,
	}
}

func runStart(c *cli.Context) error {
	home := c.String("home")
	cfg, err := node.LoadConfig(home)
	if err != nil {
		return err
	}
	level := cfg.LogLevel
	if c.IsSet("log-level") {
		level = c.String("log-level")
	}
	log, err := newLogger(level, c.Bool("log-json"))
	if err != nil {
		return err
	}
	if c.IsSet("network") {
		cfg.Genesis = c.String("network")
		if !filepath.IsAbs(cfg.Genesis) { // relative to where the command runs, as every path flag is
			if cfg.Genesis, err = filepath.Abs(cfg.Genesis); err != nil {
				return err
			}
		}
	}
	g, err := genesis.Load(node.Resolve(home, cfg.Genesis))
	if err != nil {
		return err
	}
	key, err := genesis.LoadKey(node.Resolve(home, cfg.KeyFile))
	if err != nil {
		return err
	}
	shareKey, err := genesis.LoadBLSKey(node.Resolve(home, cfg.KeyFile))
	if err != nil {
		return err
	}
	peers, err := peerFlags(c)
	if err != nil {
		return err
	}
	n, err := node.New(node.Options{Home: home, Config: cfg, Genesis: g, Key: key, ShareKey: shareKey, ExtraPeers: peers, Logger: log,
		Recover: c.Bool("recover")})
	if err != nil {
		return err
	}
	return n.Run(c.Context)
}

func newLogger(level string, asJSON bool) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: l}
	if asJSON {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
}

// peerFlags parses the repeatable --peer multiaddrs.
func peerFlags(c *cli.Context) ([]multiaddr.Multiaddr, error) {
	var peers []multiaddr.Multiaddr
	for _, p := range c.StringSlice("peer") {
		a, err := multiaddr.NewMultiaddr(p)
		if err != nil {
			return nil, fmt.Errorf("--peer %q: %w", p, err)
		}
		peers = append(peers, a)
	}
	return peers, nil
}
