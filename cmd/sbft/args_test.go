package main

import (
	"slices"
	"testing"
)

func TestInterspersedFlags(t *testing.T) {
	app := newApp()
	for _, tc := range []struct{ in, want []string }{
		{[]string{"sbft", "client", "get", "KEY", "--json"}, []string{"sbft", "client", "get", "--json", "KEY"}},
		{[]string{"sbft", "client", "get", "--node", "http://x", "KEY", "--json"}, []string{"sbft", "client", "get", "--node", "http://x", "--json", "KEY"}},
		{[]string{"sbft", "client", "put", "K", "V", "--home", "H"}, []string{"sbft", "client", "put", "--home", "H", "K", "V"}},
		{[]string{"sbft", "client", "put", "K", "--", "-V"}, []string{"sbft", "client", "put", "K", "--", "-V"}},
		{[]string{"sbft", "client", "put", "--home=H", "K", "V"}, []string{"sbft", "client", "put", "--home=H", "K", "V"}},
		{[]string{"sbft", "--help"}, []string{"sbft", "--help"}},
		// A value that looks like a flag but is none of the command's stays where it is.
		{[]string{"sbft", "client", "put", "K", "-5", "--home", "H"}, []string{"sbft", "client", "put", "--home", "H", "K", "-5"}},
		{[]string{"sbft", "client", "get", "K", "--json=true", "-h"}, []string{"sbft", "client", "get", "--json=true", "-h", "K"}},
		{[]string{"sbft", "nosuch", "x", "--y"}, []string{"sbft", "nosuch", "x", "--y"}},
	} {
		if got := interspersedFlags(app, tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}
