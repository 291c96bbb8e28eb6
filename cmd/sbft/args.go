package main

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// interspersedFlags moves the flags that follow a command's positional arguments before them, so that
// `sbft client get KEY --json` works as `sbft client get --json KEY` does (urfave/cli stops parsing flags at
// the first argument). Only the command's own flags (and help) move, a flag's value with it unless the flag is
// boolean; any other token, such as a negative number, stays a positional argument; "--" ends the flags.
func interspersedFlags(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	cmds, i := app.Commands, 1
	var leaf *cli.Command
	for ; i < len(args); i++ {
		c := findCommand(cmds, args[i])
		if c == nil {
			break
		}
		leaf, cmds = c, c.Subcommands
	}
	if leaf == nil {
		return args
	}
	out := append([]string(nil), args[:i]...)
	var flags, positional []string
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			positional = append(positional, args[i:]...)
			i = len(args)
		case isFlagOf(leaf, a):
			flags = append(flags, a)
			if takesValue(leaf, a) && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	return append(append(out, flags...), positional...)
}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	for _, c := range cmds {
		if c.HasName(name) {
			return c
		}
	}
	return nil
}

// flagOf returns cmd's flag that token a ("-x", "--name" or "--name=value") names, or nil.
func flagOf(cmd *cli.Command, a string) cli.Flag {
	if len(a) < 2 || a[0] != '-' {
		return nil
	}
	name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
	for _, f := range cmd.Flags {
		for _, n := range f.Names() {
			if n == name {
				return f
			}
		}
	}
	return nil
}

// isFlagOf reports whether token a is one of cmd's flags or asks for help.
func isFlagOf(cmd *cli.Command, a string) bool {
	return a == "-h" || a == "--help" || flagOf(cmd, a) != nil
}

// takesValue reports whether flag token a (without "=value") names a non-boolean flag of cmd.
func takesValue(cmd *cli.Command, a string) bool {
	if strings.Contains(a, "=") {
		return false
	}
	_, isBool := flagOf(cmd, a).(*cli.BoolFlag)
	return flagOf(cmd, a) != nil && !isBool
}
