package main

import "testing"

// --node takes what users type: host:port as well as a URL (before, host:port failed with "first path segment
// in URL cannot contain colon").
func TestNodeURL(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"127.0.0.1:27090", "http://127.0.0.1:27090", true},
		{"http://127.0.0.1:27090/", "http://127.0.0.1:27090", true},
		{"https://node.example:443", "https://node.example:443", true},
		{"localhost:8090", "http://localhost:8090", true},
		{"ftp://x:1", "", false},
		{"http://", "", false},
	} {
		got, err := nodeURL(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("nodeURL(%q) = %q, %v; want %q (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
