// Command sbft-sim runs the deterministic simulator (package sim) apart from the production binary: seeded
// swarms of whole replica networks under faults and a byzantine coalition, with safety and liveness checkers.
// Built with the mutants tag it also hunts the planted bugs (`sbft-sim mutants`).
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/buildinfo"
)

// extraCommands are added by builds with tags (the mutants build's `sbft-sim mutants`).
var extraCommands []*cli.Command

func newApp() *cli.App {
	run := simCommand()
	// -v is --verbose, as it was under the old `sbft sim`; the version flag keeps only its long name (with its default alias
	// every invocation panicked: "flag redefined: v").
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Usage: "print the version"}
	return &cli.App{
		Name:     "sbft-sim",
		Usage:    run.Usage,
		Version:  buildinfo.Get().Version,
		Flags:    run.Flags,
		Action:   run.Action,
		Commands: extraCommands,
	}
}

func main() {
	if err := newApp().Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "sbft-sim:", err)
		os.Exit(1)
	}
}
