package node

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/sbftnet/sbft/replica"
)

// config.toml as `sbft init` writes it names every key with a comment above, and reads back as written.
func TestConfigFileCommentsEveryKey(t *testing.T) {
	c := DefaultConfig()
	c.Listen = []string{"/ip4/0.0.0.0/tcp/26600", "/ip4/0.0.0.0/udp/26601/quic-v1"}
	c.HTTPAddr = "127.0.0.1:26602"
	home := t.TempDir()
	if err := c.Save(home); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(home + "/" + ConfigFileName)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	for _, typ := range []reflect.Type{reflect.TypeOf(Config{}), reflect.TypeOf(replica.ConsensusConfig{})} {
		for i := 0; i < typ.NumField(); i++ {
			key := typ.Field(i).Tag.Get("toml")
			if typ.Field(i).Type.Kind() == reflect.Struct {
				continue
			}
			at := -1
			for j, l := range lines {
				if strings.HasPrefix(l, key+" = ") {
					at = j
				}
			}
			if at < 1 || !strings.HasPrefix(lines[at-1], "#") {
				t.Errorf("key %q: missing or without a comment above it", key)
			}
		}
	}
	got, err := LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, c) {
		t.Fatalf("read back %+v, wrote %+v", *got, c)
	}
}
