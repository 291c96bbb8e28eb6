package main

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/clientnode"
	"github.com/sbftnet/sbft/genesis"
)

func followCommand() *cli.Command {
	return &cli.Command{
		Name:  "follow",
		Usage: "run a client node: a verified copy of the data outside the replica set, serving proven reads",
		Description: "Follows the network's committed blocks, checks each against the genesis keys, executes it and keeps it\n" +
			"only if it reproduces the block sent. Serves GET /status, /kv/KEY (with a proof), /blocks?from=H and\n" +
			"/metrics on --http. The home holds the node's own key.json (created if absent) and its store.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "home", Required: true, Usage: "client node directory: key.json and data/"},
			&cli.StringFlag{Name: "network", Required: true, Usage: "path of the network's genesis.json"},
			&cli.StringSliceFlag{Name: "peer", Usage: "multiaddr (with /p2p/<peer-id>) of a replica, beside the genesis's addresses; repeatable"},
			&cli.StringFlag{Name: "http", Value: "127.0.0.1:8090", Usage: "address of the HTTP API"},
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error"},
			&cli.BoolFlag{Name: "log-json", Usage: "log JSON lines instead of text"},
		},
		Action: runFollow,
	}
}

func runFollow(c *cli.Context) error {
	log, err := newLogger(c.String("log-level"), c.Bool("log-json"))
	if err != nil {
		return err
	}
	g, err := genesis.Load(c.String("network"))
	if err != nil {
		return err
	}
	home := c.String("home")
	key, err := loadOrCreateKey(filepath.Join(home, clientKeyFile))
	if err != nil {
		return err
	}
	peers, err := peerFlags(c)
	if err != nil {
		return err
	}
	f, err := clientnode.New(clientnode.Options{Home: home, Genesis: g, Key: key, Peers: peers,
		HTTPAddr: c.String("http"), Logger: log})
	if err != nil {
		return err
	}
	return f.Run(c.Context)
}

// loadOrCreateKey loads the key at path, or creates the directory and a new key there.
func loadOrCreateKey(path string) (ed25519.PrivateKey, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		if err := genesis.SaveKey(path, genesis.GenerateKey()); err != nil {
			return nil, fmt.Errorf("create key %s: %w", path, err)
		}
	}
	return genesis.LoadKey(path)
}
