package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/client"
	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/wire"
)

// Proven reads from the CLI: `sbft client get KEY --node URL` asks a client node, `--proven` one replica; either
// way the answer is checked here against the genesis keys, and the command fails when it does not verify.

// readBodyBytesMax caps a client node's answer: the JSON of the largest proven read (hex doubles the bytes).
const readBodyBytesMax = 4*wire.ProvenReadBytesMax + 4096

// readOutput is the JSON printed: the read and how it was checked.
type readOutput struct {
	*wire.ReadJSON
	Source        string `json:"source"`         // the node or replica that answered
	GenesisSource string `json:"genesis_source"` // where the genesis keys came from: file, or node (not pinned)
}

func runProvenGet(c *cli.Context, key string) error {
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	var p *wire.ProvenRead
	out := readOutput{}
	g, gsrc, err := readGenesis(ctx, c)
	if err != nil {
		return err
	}
	out.GenesisSource = gsrc
	node, err := nodeURL(c.String("node"))
	if err != nil {
		return err
	}
	if node != "" {
		p, err = readFromNode(ctx, node, key)
		out.Source = node
	} else {
		var cl *client.Client
		if cl, err = openReadClient(g); err != nil {
			return err
		}
		defer cl.Close()
		var replica uint32
		p, replica, err = cl.ReadProven(ctx, []byte(key))
		out.Source = fmt.Sprintf("replica %d", replica)
	}
	if err != nil {
		return cli.Exit(fmt.Sprintf("sbft: %v", err), 1)
	}
	verr := client.NewProofVerifier(g.ChainID, g.F, g.BLSPublicKeys()).VerifyRead(p)
	if verr == nil && string(p.KV.Key) != key {
		verr = fmt.Errorf("the answer is for key %q", p.KV.Key)
	}
	// A proof shows the value at its height, not that the height is recent: the reader sets how recent.
	if min := c.Uint64("min-height"); verr == nil && p.KV.Header.Height < min {
		verr = fmt.Errorf("%w: the proven state is of height %d, below --min-height %d", errStale, p.KV.Header.Height, min)
	}
	if verr != nil && node != "" && gsrc == "file" {
		verr = otherNetwork(ctx, node, g, verr) // "bad aggregate signature" says little when it is another network
	}
	verified := verr == nil
	out.ReadJSON = wire.NewReadJSON(p)
	out.Verified = &verified
	printRead(c, &out)
	if verr != nil {
		return cli.Exit(fmt.Sprintf("sbft: the read does not verify: %v", verr), 1)
	}
	return nil
}

// errStale: a proven read older than the reader asked for.
var errStale = errors.New("stale read")

func printRead(c *cli.Context, out *readOutput) {
	switch {
	case c.Bool("json"):
		b, _ := json.Marshal(out)
		fmt.Fprintln(c.App.Writer, string(b))
	case !*out.Verified:
	case out.Found:
		fmt.Fprintf(c.App.Writer, "%s = %s (version %d, height %d, proven)\n", out.Key, out.Value, out.Version, out.Height)
	default:
		fmt.Fprintf(c.App.Writer, "%s: not found (height %d, proven)\n", out.Key, out.Height)
	}
	if out.GenesisSource == "node" {
		fmt.Fprintln(c.App.ErrWriter, "sbft: note: checked against the genesis the client node served; pass --network to pin your own")
	}
}

// readGenesis finds the genesis to check against: --network, else the genesis.json beside a client home made by
// `sbft testnet`, else --peer's, else (with --node) the client node's own, which pins nothing.
func readGenesis(ctx context.Context, c *cli.Context) (*genesis.Genesis, string, error) {
	if c.String("network") != "" || c.String("peer") != "" {
		g, err := loadNetwork(ctx, c)
		return g, "file", err
	}
	if home := c.String("home"); home != "" {
		if g, err := genesis.Load(filepath.Join(home, "..", "genesis.json")); err == nil {
			return g, "file", nil
		}
	}
	node, err := nodeURL(c.String("node"))
	if err != nil {
		return nil, "", err
	}
	if node != "" {
		body, err := httpGet(ctx, node+"/genesis")
		if err != nil {
			return nil, "", err
		}
		g, err := genesis.Parse(body)
		return g, "node", err
	}
	return nil, "", errors.New("give --network GENESIS (or --peer MULTIADDR) to check the proof against")
}

// nodeURL is a client node's base URL from --node: a URL, or host:port (http is meant), without a trailing
// slash; "" stays "".
func nodeURL(node string) (string, error) {
	if node == "" {
		return "", nil
	}
	if !strings.Contains(node, "://") {
		node = "http://" + node
	}
	u, err := url.Parse(node)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", cli.Exit(fmt.Sprintf("sbft: --node %q: want the client node's address, as host:port or http://host:port", node), 2)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// otherNetwork explains a read that does not verify when the client node serves another network than the
// genesis given: it compares the network identities (genesis.ID). Otherwise it returns verr.
func otherNetwork(ctx context.Context, node string, g *genesis.Genesis, verr error) error {
	body, err := httpGet(ctx, node+"/genesis")
	if err != nil {
		return verr
	}
	theirs, err := genesis.Parse(body)
	if err != nil {
		return verr
	}
	if mine, their := g.ID(), theirs.ID(); mine != their {
		return fmt.Errorf("the client node serves another network: chain %q, genesis %x; --network is chain %q, genesis %x",
			theirs.ChainID, their[:8], g.ChainID, mine[:8])
	}
	return verr
}

func readFromNode(ctx context.Context, node, key string) (*wire.ProvenRead, error) {
	body, err := httpGet(ctx, node+"/kv/"+url.PathEscape(key))
	if err != nil {
		return nil, err
	}
	var j wire.ReadJSON
	if err := json.Unmarshal(body, &j); err != nil {
		return nil, fmt.Errorf("client node answer: %w", err)
	}
	return j.ProvenRead()
}

func httpGet(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, readBodyBytesMax))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("%s: %s", u, e.Error)
		}
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	return body, nil
}

// openReadClient is a client with a throwaway key: reads sign nothing.
func openReadClient(g *genesis.Genesis) (*client.Client, error) {
	replicas, err := g.P2PReplicas()
	if err != nil {
		return nil, err
	}
	return client.New(client.Config{Genesis: g, Key: genesis.GenerateKey()}, replicas)
}
