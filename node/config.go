package node

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/multiformats/go-multiaddr"

	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
)

// ConfigFileName is the replica's config file inside its home directory.
const ConfigFileName = "config.toml"

// ErrConfig is returned for a config file the replica cannot run with.
var ErrConfig = errors.New("invalid replica config")

// Config is a replica's config.toml. Relative paths are relative to the home directory.
type Config struct {
	Genesis   string   `toml:"genesis"`
	KeyFile   string   `toml:"key_file"`
	DataDir   string   `toml:"data_dir"`
	Listen    []string `toml:"listen"`
	HTTPAddr  string   `toml:"http_addr"`
	PprofAddr string   `toml:"pprof_addr"` // Go profiles (net/http/pprof); "" serves none
	// PreferTransport is the transport dialled first: "tcp" (Noise over TCP with yamux) or "quic".
	PreferTransport string `toml:"prefer_transport"`
	LogLevel        string `toml:"log_level"`
	TickMs          int    `toml:"tick_ms"`

	Consensus replica.ConsensusConfig `toml:"consensus"`
}

// DefaultConfig is what `sbft testnet` writes, apart from addresses.
func DefaultConfig() Config {
	return Config{
		Genesis: "../genesis.json", KeyFile: "key.json", DataDir: "data",
		LogLevel: "info", TickMs: 10,
		Consensus: replica.DefaultConsensusConfig(),
	}
}

// TickInterval is the length of one consensus tick.
func (c *Config) TickInterval() time.Duration { return time.Duration(c.TickMs) * time.Millisecond }

// Validate checks the config.
func (c *Config) Validate() error {
	if c.TickMs < TickMsMin || c.TickMs > TickMsMax {
		return fmt.Errorf("%w: tick_ms %d not in [%d,%d]", ErrConfig, c.TickMs, TickMsMin, TickMsMax)
	}
	if err := p2p.CheckTransport(c.PreferTransport); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if c.Genesis == "" || c.KeyFile == "" || c.DataDir == "" {
		return fmt.Errorf("%w: genesis, key_file and data_dir are required", ErrConfig)
	}
	for _, a := range c.Listen {
		if _, err := multiaddr.NewMultiaddr(a); err != nil {
			return fmt.Errorf("%w: listen %q: %v", ErrConfig, a, err)
		}
	}
	return nil
}

// Resolve makes p absolute against home.
func Resolve(home, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(home, p)
}

// LoadConfig reads home/config.toml over the defaults.
func LoadConfig(home string) (*Config, error) {
	c := DefaultConfig()
	path := filepath.Join(home, ConfigFileName)
	md, err := toml.DecodeFile(path, &c)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s has no %s: is --home a replica's home? make one with `sbft init --home %s`", ErrConfig, home, ConfigFileName, home)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("%w: unknown keys in %s: %v", ErrConfig, path, und)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}
