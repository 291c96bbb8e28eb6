package node

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"github.com/BurntSushi/toml"
)

// configTemplate is config.toml as written by `sbft init`: every key, each with what it does.
var configTemplate = template.Must(template.New("config").Funcs(template.FuncMap{"toml": tomlValue}).Parse(
	`# sbft replica configuration. Relative paths are relative to this file's directory (the replica's home).

# The network's genesis file (chain ID, f, replica set); ` + "`sbft start --network FILE`" + ` overrides it.
genesis = {{toml .Genesis}}
# This replica's keys (Ed25519 identity and BLS share key); mode 0600, never leaves this home.
key_file = {{toml .KeyFile}}
# The pebble store: blocks, state, consensus log. ` + "`sbft reset`" + ` wipes it and keeps the keys.
data_dir = {{toml .DataDir}}
# libp2p listen multiaddrs (TCP and QUIC); other replicas dial those in the genesis.
listen = {{toml .Listen}}
# HTTP address of /status, /health and /metrics ("" to serve none).
http_addr = {{toml .HTTPAddr}}
# HTTP address of Go's profiles (/debug/pprof/); "" (the default) serves none. Keep it private.
pprof_addr = {{toml .PprofAddr}}
# Transport dialled first when a replica listens on several: "tcp" (Noise over TCP, yamux) or "quic".
prefer_transport = {{toml .PreferTransport}}
# debug, info, warn or error.
log_level = {{toml .LogLevel}}
# Length of one consensus tick in milliseconds ({{.TickMin}}..{{.TickMax}}); the tick counts below are in ticks.
tick_ms = {{toml .TickMs}}

[consensus]
# Most requests the primary puts in one batch.
batch_requests_max = {{toml .Consensus.BatchRequestsMax}}
# Most bytes of requests in one batch.
batch_bytes_max = {{toml .Consensus.BatchBytesMax}}
# Batches the primary proposes before earlier ones commit.
in_flight_seqs_max = {{toml .Consensus.InFlightSeqsMax}}
# How often a replica tells the others how far it is (ticks).
status_interval_ticks = {{toml .Consensus.StatusIntervalTicks}}
# How long before an unanswered protocol message is sent again (ticks).
retransmit_ticks = {{toml .Consensus.RetransmitTicks}}
# A backup complains about the primary when a client request waited this long (ms); doubles with each view
# change that executes nothing (at most 8 times).
view_change_timeout_ms = {{toml .Consensus.ViewChangeTimeoutMs}}
`))

// tomlValue renders v as a TOML value.
func tomlValue(v any) (string, error) {
	b, err := toml.Marshal(map[string]any{"v": v})
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(strings.TrimPrefix(string(b), "v = ")), nil
}

// Render returns c as a commented config.toml.
func (c *Config) Render() ([]byte, error) {
	var buf bytes.Buffer
	err := configTemplate.Execute(&buf, struct {
		*Config
		TickMin, TickMax int
	}{c, TickMsMin, TickMsMax})
	if err != nil {
		return nil, fmt.Errorf("render config: %w", err)
	}
	return buf.Bytes(), nil
}

// Save writes the config to home/config.toml, with comments.
func (c *Config) Save(home string) error {
	b, err := c.Render()
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(home, ConfigFileName), b, 0o644)
}
