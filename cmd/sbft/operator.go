package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/multiformats/go-multiaddr"
	manet "github.com/multiformats/go-multiaddr/net"
	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/bls"
	"github.com/sbftnet/sbft/buildinfo"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/node"
	"github.com/sbftnet/sbft/store"
)

// Per-machine set-up: each operator makes their replica's home (its keys never leave it) and publishes only
// public.json; whoever assembles the network runs `sbft genesis` over those.

// publicFile is the public part of a replica inside its home.
const publicFile = "public.json"

func initCommand() *cli.Command {
	return &cli.Command{
		Name:  "init",
		Usage: "create a replica's home: its keys, a commented config.toml and public.json (never overwrites a key)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "home", Required: true, EnvVars: []string{"SBFT_HOME"}, Usage: "replica home directory to create"},
			&cli.StringSliceFlag{Name: "listen", Value: cli.NewStringSlice("/ip4/0.0.0.0/tcp/26600", "/ip4/0.0.0.0/udp/26601/quic-v1"),
				Usage: "libp2p listen multiaddr; repeatable"},
			&cli.StringSliceFlag{Name: "external", Usage: "multiaddr the other replicas dial (public.json); repeatable; default: the listen addresses, an unspecified IP (0.0.0.0) replaced by this machine's"},
			&cli.StringFlag{Name: "http", Value: "127.0.0.1:26602", Usage: "address of /status, /health and /metrics"},
			&cli.StringFlag{Name: "genesis", Value: "genesis.json", Usage: "genesis path written to config.toml (relative to the home)"},
		},
		Action: func(c *cli.Context) error {
			pub, err := initHome(c.String("home"), c.StringSlice("listen"), c.StringSlice("external"), c.String("http"), c.String("genesis"))
			if err != nil {
				return err
			}
			c.App.Writer.Write(pub.Marshal())
			fmt.Fprintf(c.App.ErrWriter, "sbft: wrote %s; hand %s (public keys and addresses only) to whoever assembles the genesis (sbft genesis)\n",
				c.String("home"), filepath.Join(c.String("home"), publicFile))
			return nil
		},
	}
}

// initHome creates a replica's home: key.json (Ed25519 and BLS, mode 0600), config.toml, data/ and public.json.
func initHome(home string, listen, external []string, httpAddr, genesisPath string) (*genesis.Public, error) {
	cfg := node.DefaultConfig()
	cfg.Listen, cfg.HTTPAddr, cfg.Genesis = listen, httpAddr, genesisPath
	for _, f := range []string{cfg.KeyFile, node.ConfigFileName} {
		if _, err := os.Stat(filepath.Join(home, f)); err == nil {
			return nil, fmt.Errorf("%s already holds a replica (%s exists): init never overwrites a key; use another --home, or `sbft reset --home %s` to wipe its data and keep the key",
				home, filepath.Join(home, f), home)
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(external) == 0 {
		var err error
		if external, err = dialable(listen); err != nil {
			return nil, err
		}
	}
	key := genesis.GenerateKey()
	seed, blsKey, err := bls.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	pub, err := genesis.PublicOf(key, blsKey, external)
	if err != nil {
		return nil, err
	}
	if err := pub.Check(); err != nil {
		return nil, err
	}
	if err := writeHome(home, &cfg, key, seed, pub); err != nil {
		return nil, fmt.Errorf("init %s: %w", home, err)
	}
	return pub, nil
}

// writeHome writes a new home's files; when one fails it removes those it made, so that init can run again
// (it refuses a home that holds a key).
func writeHome(home string, cfg *node.Config, key ed25519.PrivateKey, seed []byte, pub *genesis.Public) (err error) {
	var made []string
	defer func() {
		if err != nil {
			for i := len(made) - 1; i >= 0; i-- {
				os.RemoveAll(made[i])
			}
		}
	}()
	data := filepath.Join(home, cfg.DataDir)
	if _, statErr := os.Stat(data); statErr != nil {
		if err = os.MkdirAll(data, 0o700); err != nil {
			return err
		}
		made = append(made, data)
	}
	steps := []struct {
		path  string
		write func() error
	}{
		{filepath.Join(home, cfg.KeyFile), func() error { return genesis.SaveKeys(filepath.Join(home, cfg.KeyFile), key, seed) }},
		{filepath.Join(home, node.ConfigFileName), func() error { return cfg.Save(home) }},
		{filepath.Join(home, publicFile), func() error { return pub.Save(filepath.Join(home, publicFile)) }},
	}
	for _, st := range steps {
		if err = st.write(); err != nil {
			return err
		}
		made = append(made, st.path)
	}
	return nil
}

// dialable turns listen addresses into ones others can dial: an unspecified IP (0.0.0.0, ::) becomes each of
// this machine's non-loopback addresses of that family, or loopback when it has none.
func dialable(listen []string) ([]string, error) {
	var out []string
	for _, l := range listen {
		a, err := multiaddr.NewMultiaddr(l)
		if err != nil {
			return nil, fmt.Errorf("--listen %q: %w", l, err)
		}
		if !manet.IsIPUnspecified(a) {
			out = append(out, l)
			continue
		}
		ips, err := manet.ResolveUnspecifiedAddress(a, defaultRouteIPs())
		if err != nil || len(ips) == 0 {
			ips, err = manet.ResolveUnspecifiedAddress(a, nonLoopback())
		}
		if err != nil || len(ips) == 0 {
			ips, err = manet.ResolveUnspecifiedAddress(a, []multiaddr.Multiaddr{multiaddr.StringCast("/ip4/127.0.0.1"), multiaddr.StringCast("/ip6/::1")})
		}
		if err != nil {
			return nil, fmt.Errorf("--listen %q: %w", l, err)
		}
		for _, ip := range ips {
			out = append(out, ip.String())
		}
	}
	return out, nil
}

// defaultRouteIPs returns the source addresses this machine would use toward the Internet, one per IP family
// (connecting a UDP socket sends nothing: the kernel only picks the route), rather than every interface's:
// docker bridges and VPN addresses in a genesis would send the other replicas' dials nowhere.
func defaultRouteIPs() []multiaddr.Multiaddr {
	var out []multiaddr.Multiaddr
	for _, t := range [][2]string{{"udp4", "192.0.2.1:9"}, {"udp6", "[2001:db8::1]:9"}} {
		c, err := net.Dial(t[0], t[1])
		if err != nil {
			continue
		}
		ip := c.LocalAddr().(*net.UDPAddr).IP
		c.Close()
		if m, err := manet.FromIP(ip); err == nil && !ip.IsLoopback() {
			out = append(out, m)
		}
	}
	return out
}

// nonLoopback lists this machine's interface addresses (but loopback and link-local), when no default route
// says which one others reach.
func nonLoopback() []multiaddr.Multiaddr {
	addrs, _ := net.InterfaceAddrs()
	var out []multiaddr.Multiaddr
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		if m, err := manet.FromIP(ipn.IP); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// idOutput is `sbft id --json`. Field names are a contract: add fields, never rename them.
type idOutput struct {
	PeerID     string   `json:"peer_id"`
	PubKey     string   `json:"pub_key"`
	BLSPubKey  string   `json:"bls_pub_key"`
	Multiaddrs []string `json:"multiaddrs"` // with /p2p/PEER-ID: what --peer takes
	Listen     []string `json:"listen"`
	HTTPAddr   string   `json:"http_addr"`
}

func idCommand() *cli.Command {
	return &cli.Command{
		Name:  "id",
		Usage: "print a replica's peer ID, public keys and multiaddrs (with /p2p/)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "home", Required: true, EnvVars: []string{"SBFT_HOME"}, Usage: "replica home directory"},
			&cli.BoolFlag{Name: "json", Usage: "print JSON"},
			&cli.BoolFlag{Name: "public", Usage: "print the public part (public.json, with the BLS proof of possession) again"},
		},
		Action: runID,
	}
}

func runID(c *cli.Context) error {
	home := c.String("home")
	cfg, err := node.LoadConfig(home)
	if err != nil {
		return err
	}
	key, err := genesis.LoadKey(node.Resolve(home, cfg.KeyFile))
	if err != nil {
		return err
	}
	blsKey, err := genesis.LoadBLSKey(node.Resolve(home, cfg.KeyFile))
	if err != nil {
		return err
	}
	addrs := cfg.Listen
	if p, err := genesis.LoadPublic(filepath.Join(home, publicFile)); err == nil {
		addrs = p.Multiaddrs // what was published: dialable, unlike 0.0.0.0
	} else if d, err := dialable(cfg.Listen); err == nil {
		addrs = d
	}
	pub, err := genesis.PublicOf(key, blsKey, addrs)
	if err != nil {
		return err
	}
	if c.Bool("public") {
		c.App.Writer.Write(pub.Marshal())
		return nil
	}
	out := idOutput{PeerID: pub.PeerID, PubKey: pub.PubKey, BLSPubKey: pub.BLSPubKey, Listen: cfg.Listen, HTTPAddr: cfg.HTTPAddr,
		Multiaddrs: []string{}}
	for _, a := range addrs {
		out.Multiaddrs = append(out.Multiaddrs, a+"/p2p/"+pub.PeerID)
	}
	if c.Bool("json") {
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(c.App.Writer, string(b))
		return nil
	}
	fmt.Fprintf(c.App.Writer, "peer_id      %s\npub_key      %s\nbls_pub_key  %s\nhttp         %s\n", out.PeerID, out.PubKey, out.BLSPubKey, out.HTTPAddr)
	for _, a := range out.Multiaddrs {
		fmt.Fprintf(c.App.Writer, "multiaddr    %s\n", a)
	}
	return nil
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:  "version",
		Usage: "print the version and commit of this build",
		Flags: []cli.Flag{&cli.BoolFlag{Name: "json", Usage: "print JSON"}},
		Action: func(c *cli.Context) error {
			if c.Bool("json") {
				b, _ := json.Marshal(buildinfo.Get())
				fmt.Fprintln(c.App.Writer, string(b))
				return nil
			}
			fmt.Fprintln(c.App.Writer, buildinfo.Get())
			return nil
		},
	}
}

// errResetUnconfirmed: reset without --yes.
var errResetUnconfirmed = errors.New("reset not confirmed")

func resetCommand() *cli.Command {
	return &cli.Command{
		Name:  "reset",
		Usage: "wipe a stopped replica's data (blocks, state, consensus log) and keep its keys and config",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "home", Required: true, EnvVars: []string{"SBFT_HOME"}, Usage: "replica home directory"},
			&cli.BoolFlag{Name: "yes", Usage: "confirm"},
		},
		Action: runReset,
	}
}

func runReset(c *cli.Context) error {
	home := c.String("home")
	cfg, err := node.LoadConfig(home)
	if err != nil {
		return err
	}
	data := node.Resolve(home, cfg.DataDir)
	if err := safeToWipe(home, data, cfg); err != nil {
		return err
	}
	if !c.Bool("yes") {
		return fmt.Errorf("%w: this deletes %s and keeps %s; stop the replica, then run again with --yes", errResetUnconfirmed,
			data, node.Resolve(home, cfg.KeyFile))
	}
	if err := notInUse(data); err != nil {
		return err
	}
	// The directory itself stays (its owner, mode, or a volume mounted there); what is in it goes.
	entries, err := os.ReadDir(data)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("reset: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(data, e.Name())); err != nil {
			return fmt.Errorf("reset: %w", err)
		}
	}
	fmt.Fprintf(c.App.ErrWriter, "sbft: wiped %s; the replica catches up from the others when it starts (it forgot its votes: reset at most f replicas at a time)\n", data)
	return nil
}

// errNotAStore: reset refuses a data directory that is not only a replica's store.
var errNotAStore = errors.New("reset refused")

// safeToWipe refuses a data_dir that holds the home, its key, its config or its genesis, or that holds
// files but no store (a mistyped data_dir must not cost the operator a directory).
func safeToWipe(home, data string, cfg *node.Config) error {
	absData, err1 := filepath.Abs(data)
	absHome, err2 := filepath.Abs(home)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	inside := func(p string) bool {
		rel, err := filepath.Rel(absData, p)
		return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
	}
	for _, p := range []string{absHome, node.Resolve(absHome, cfg.KeyFile), filepath.Join(absHome, node.ConfigFileName), node.Resolve(absHome, cfg.Genesis)} {
		if inside(p) {
			return fmt.Errorf("%w: data_dir %s holds %s; set data_dir in %s to a directory of its own", errNotAStore, absData, p,
				filepath.Join(home, node.ConfigFileName))
		}
	}
	entries, err := os.ReadDir(absData)
	if err != nil || len(entries) == 0 {
		return nil // nothing to lose
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "MANIFEST-") { // pebble's
			return nil
		}
	}
	return fmt.Errorf("%w: %s holds files but no replica store (no MANIFEST-*); remove them yourself if they are to go", errNotAStore, absData)
}

// notInUse refuses a data directory that a running replica holds open (pebble's lock).
func notInUse(data string) error {
	if _, err := os.Stat(filepath.Join(data, "LOCK")); err != nil {
		return nil // never opened, or already wiped
	}
	st, err := store.OpenPebble(data, nil)
	if errors.Is(err, chain.ErrStoreInUse) {
		return fmt.Errorf("reset refused: %w", err)
	}
	if err == nil {
		st.Close()
	}
	return nil // a damaged store is what reset is for
}
