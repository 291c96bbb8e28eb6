// Command sbft runs and drives an sbft replica network: testnet generation, replicas, status, a client and a
// load generator.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/buildinfo"
)

func newApp() *cli.App {
	return &cli.App{
		Name:    "sbft",
		Usage:   "a Byzantine-fault-tolerant replicated key-value network (SBFT over libp2p)",
		Version: buildinfo.Get().Version,
		Commands: []*cli.Command{
			initCommand(),
			genesisCommand(),
			idCommand(),
			versionCommand(),
			resetCommand(),
			testnetCommand(),
			startCommand(),
			statusCommand(),
			clientCommand(),
			followCommand(),
			benchCommand(),
			benchReadsCommand(),
		},
		EnableBashCompletion: true,
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	app := newApp()
	if err := app.RunContext(ctx, interspersedFlags(app, os.Args)); err != nil {
		fmt.Fprintln(os.Stderr, "sbft:", err)
		stop()
		os.Exit(1)
	}
}
