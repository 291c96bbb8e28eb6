package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbftnet/sbft/buildinfo"
	"github.com/sbftnet/sbft/genesis"
)

// run runs the sbft CLI in-process and returns what it printed on stdout.
func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	app := newApp()
	var out, errOut bytes.Buffer
	app.Writer, app.ErrWriter = &out, &errOut
	err := app.Run(interspersedFlags(app, append([]string{"sbft"}, args...)))
	return out.String(), err
}

// The operator's commands on one machine each: init makes a home and prints its public part, never over a key;
// genesis assembles from public parts only; id agrees with the genesis; reset needs --yes and keeps the key.
func TestOperatorCommands(t *testing.T) {
	dir := t.TempDir()
	var parts []string
	for i := range 4 {
		home := filepath.Join(dir, "op"+string(rune('a'+i)))
		out, err := run(t, "init", "--home", home, "--listen", "/ip4/127.0.0.1/tcp/2660"+string(rune('0'+i)), "--http", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("init: %v", err)
		}
		written, _ := os.ReadFile(filepath.Join(home, publicFile))
		if out != string(written) {
			t.Fatalf("init printed %q, wrote %q", out, written)
		}
		if fi, err := os.Stat(filepath.Join(home, "key.json")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("key.json: %v %v", fi, err)
		}
		parts = append(parts, filepath.Join(home, publicFile))
	}
	home := filepath.Dir(parts[0])
	key, _ := os.ReadFile(filepath.Join(home, "key.json"))
	if _, err := run(t, "init", "--home", home); err == nil || !strings.Contains(err.Error(), "never overwrites a key") {
		t.Fatalf("init over a home: %v", err)
	}
	if again, _ := os.ReadFile(filepath.Join(home, "key.json")); !bytes.Equal(again, key) {
		t.Fatal("init changed an existing key")
	}

	gpath := filepath.Join(dir, "genesis.json")
	if _, err := run(t, append([]string{"genesis", "--chain-id", "ops", "--out", gpath}, parts...)...); err != nil {
		t.Fatalf("genesis: %v", err)
	}
	if _, err := run(t, append([]string{"genesis", "--chain-id", "ops", "--out", gpath}, parts...)...); err == nil {
		t.Fatal("genesis overwrote an existing file")
	}
	g, err := genesis.Load(gpath)
	if err != nil || g.N() != 4 || g.F != 1 || g.ChainID != "ops" {
		t.Fatalf("assembled genesis: %v %+v", err, g)
	}

	out, err := run(t, "id", "--home", home, "--json")
	var id idOutput
	if err != nil || json.Unmarshal([]byte(out), &id) != nil || id.PeerID != g.Replicas[0].PeerID ||
		len(id.Multiaddrs) != 1 || id.Multiaddrs[0] != "/ip4/127.0.0.1/tcp/26600/p2p/"+id.PeerID {
		t.Fatalf("id: %v %s", err, out)
	}
	if again, err := run(t, "id", "--home", home, "--public"); err != nil || again != string(mustRead(t, parts[0])) {
		t.Fatalf("id --public: %v\n%s", err, again)
	}
	out, err = run(t, "version", "--json")
	var v buildinfo.Info
	if err != nil || json.Unmarshal([]byte(out), &v) != nil || v != buildinfo.Get() {
		t.Fatalf("version: %v %s", err, out)
	}

	data := filepath.Join(home, "data")
	os.WriteFile(filepath.Join(data, "notes.txt"), []byte("x"), 0o600)
	if _, err := run(t, "reset", "--home", home, "--yes"); !errors.Is(err, errNotAStore) {
		t.Fatalf("reset of a data directory holding no store: %v", err)
	}
	os.Remove(filepath.Join(data, "notes.txt"))
	os.WriteFile(filepath.Join(data, "MANIFEST-000001"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(data, "000001.log"), []byte("x"), 0o600)
	if _, err := run(t, "reset", "--home", home); !errors.Is(err, errResetUnconfirmed) {
		t.Fatalf("reset without --yes: %v", err)
	}
	if _, err := os.Stat(filepath.Join(data, "000001.log")); err != nil {
		t.Fatal("reset without --yes deleted data")
	}
	if _, err := run(t, "reset", "--home", home, "--yes"); err != nil {
		t.Fatalf("reset --yes: %v", err)
	}
	entries, _ := os.ReadDir(data)
	if again, _ := os.ReadFile(filepath.Join(home, "key.json")); len(entries) != 0 || !bytes.Equal(again, key) {
		t.Fatalf("after reset: data holds %d entries; key kept: %v", len(entries), bytes.Equal(again, key))
	}

	// A data_dir that holds the home (a mistyped "." or "..") is never wiped.
	cfgPath := filepath.Join(home, "config.toml")
	cfg, _ := os.ReadFile(cfgPath)
	for _, dir := range []string{".", ".."} {
		os.WriteFile(cfgPath, []byte(strings.Replace(string(cfg), `data_dir = "data"`, `data_dir = "`+dir+`"`, 1)), 0o644)
		if _, err := run(t, "reset", "--home", home, "--yes"); !errors.Is(err, errNotAStore) {
			t.Fatalf("reset with data_dir %q: %v", dir, err)
		}
		if again, err := os.ReadFile(filepath.Join(home, "key.json")); err != nil || !bytes.Equal(again, key) {
			t.Fatalf("reset with data_dir %q touched the key", dir)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
