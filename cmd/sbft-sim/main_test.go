package main

import (
	"bytes"
	"strings"
	"testing"
)

// The binary parses its flags (-v is --verbose, --version has no short alias) and runs a short seed.
func TestRunsOneSeed(t *testing.T) {
	var out bytes.Buffer
	app := newApp()
	app.Writer = &out
	if err := app.Run([]string{"sbft-sim", "--seed", "1", "--steps", "50", "-v"}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "seed 1 ") || !strings.Contains(out.String(), "1 passed, 0 failed") {
		t.Fatalf("output:\n%s", out.String())
	}
	out.Reset()
	app = newApp()
	app.Writer = &out
	if err := app.Run([]string{"sbft-sim", "--version"}); err != nil || !strings.Contains(out.String(), "sbft-sim version") {
		t.Fatalf("--version: %v, output %q", err, out.String())
	}
}
