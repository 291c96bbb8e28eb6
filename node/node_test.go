package node

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sbftnet/sbft/consensus"
	"github.com/sbftnet/sbft/genesis"
)

func TestConfigRoundTripAndValidation(t *testing.T) {
	home := t.TempDir()
	c := DefaultConfig()
	c.Listen = []string{"/ip4/127.0.0.1/tcp/1"}
	c.HTTPAddr = "127.0.0.1:2"
	if err := c.Save(home); err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfig(home)
	if err != nil || got.HTTPAddr != c.HTTPAddr || got.Consensus != c.Consensus {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	os.WriteFile(filepath.Join(home, ConfigFileName), []byte("tick_ms = 0\n"), 0o644)
	if _, err := LoadConfig(home); err == nil {
		t.Fatal("tick_ms 0 accepted")
	}
	os.WriteFile(filepath.Join(home, ConfigFileName), []byte("no_such_key = 1\n"), 0o644)
	if _, err := LoadConfig(home); err == nil {
		t.Fatal("an unknown key was accepted")
	}
}

// `sbft testnet` writes the genesis default, which must be the production interval of the core.
func TestGenesisCheckpointIntervalIsTheCoreDefault(t *testing.T) {
	if genesis.DefaultCheckpointInterval != consensus.CheckpointIntervalSeqsDefault {
		t.Fatalf("genesis default interval %d, core default %d", genesis.DefaultCheckpointInterval, consensus.CheckpointIntervalSeqsDefault)
	}
}
