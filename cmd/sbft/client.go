package main

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/multiformats/go-multiaddr"
	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/client"
	"github.com/sbftnet/sbft/genesis"
)

// clientKeyFile is the client's key inside its home directory.
const clientKeyFile = "key.json"

func clientFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "home", EnvVars: []string{"SBFT_CLIENT_HOME"}, Usage: "client directory holding key.json (needed to submit transactions)"},
		&cli.StringFlag{Name: "network", Usage: "path of the network's genesis.json"},
		&cli.StringFlag{Name: "peer", Usage: "multiaddr (with /p2p/<peer-id>) of one replica; the network is learnt from it"},
		&cli.BoolFlag{Name: "json", Usage: "print the result as one JSON object"},
		&cli.DurationFlag{Name: "timeout", Value: 30 * time.Second, Usage: "how long to wait for f+1 matching replies"},
	}
}

func clientCommand() *cli.Command {
	return &cli.Command{
		Name:  "client",
		Usage: "submit signed transactions; a result is shown once f+1 replicas report the same one",
		Subcommands: []*cli.Command{
			{Name: "put", Usage: "put KEY VALUE", ArgsUsage: "KEY VALUE", Flags: clientFlags(), Action: runClientOp},
			{Name: "get", Usage: "get KEY: ordered through consensus (linearizable); with --node or --proven a proven read of a certified recent state",
				ArgsUsage: "KEY", Flags: append(clientFlags(),
					&cli.StringFlag{Name: "node", Usage: "URL of a client node (sbft follow --http) to read from, with a proof checked here"},
					&cli.BoolFlag{Name: "proven", Usage: "read from one replica, with a proof checked here (no consensus round)"},
					&cli.Uint64Flag{Name: "min-height", Usage: "with --node or --proven: fail unless the proven state is at least this height (freshness)"}),
				Action: runClientOp},
			{Name: "cas", Usage: "cas KEY VERSION VALUE: put only if the key's version is VERSION (0: absent)",
				ArgsUsage: "KEY VERSION VALUE", Flags: clientFlags(), Action: runClientOp},
			{Name: "delete", Usage: "delete KEY", ArgsUsage: "KEY", Flags: clientFlags(), Action: runClientOp},
			{Name: "resubmit", Usage: "resubmit TX: submit again, unchanged, a signed transaction whose outcome was unknown (the \"tx\" " +
				"--json printed); it executes at most once, so this learns its outcome", ArgsUsage: "TX", Flags: clientFlags(), Action: runResubmit},
			fillCommand(),
			{Name: "init", Usage: "create a client home: its own key.json (never overwrites one); prints the client's public key",
				Flags:  []cli.Flag{&cli.StringFlag{Name: "home", Required: true, EnvVars: []string{"SBFT_CLIENT_HOME"}, Usage: "client directory to create"}},
				Action: runClientInit},
		},
	}
}

func runClientInit(c *cli.Context) error {
	pub, err := initClientHome(c.String("home"))
	if err != nil {
		return err
	}
	fmt.Fprintln(c.App.Writer, pub)
	return nil
}

// initClientHome creates a client's home with a new key and returns its public key in hex.
func initClientHome(home string) (string, error) {
	if err := os.MkdirAll(home, 0o700); err != nil {
		return "", err
	}
	key := genesis.GenerateKey()
	if err := genesis.SaveKey(filepath.Join(home, clientKeyFile), key); err != nil {
		return "", fmt.Errorf("%s: %w (init never overwrites a key)", home, err)
	}
	return hex.EncodeToString(key.Public().(ed25519.PublicKey)), nil
}

// loadNetwork returns the genesis from --network, or learns it from the replica at --peer.
func loadNetwork(ctx context.Context, c *cli.Context) (*genesis.Genesis, error) {
	switch {
	case c.String("network") != "":
		return genesis.Load(c.String("network"))
	case c.String("peer") != "":
		a, err := multiaddr.NewMultiaddr(c.String("peer"))
		if err != nil {
			return nil, fmt.Errorf("--peer: %w", err)
		}
		return client.FetchGenesis(ctx, a)
	}
	return nil, errors.New("give --network GENESIS or --peer MULTIADDR")
}

func openClient(ctx context.Context, c *cli.Context) (*client.Client, error) {
	g, err := loadNetwork(ctx, c)
	if err != nil {
		return nil, err
	}
	if c.String("home") == "" {
		return nil, errors.New("give --home DIR (a client directory holding key.json) to submit transactions")
	}
	key, err := genesis.LoadKey(filepath.Join(c.String("home"), clientKeyFile))
	if err != nil {
		return nil, err
	}
	replicas, err := g.P2PReplicas()
	if err != nil {
		return nil, err
	}
	return client.New(client.Config{Genesis: g, Key: key}, replicas)
}

func runClientOp(c *cli.Context) error {
	op, args := c.Command.Name, c.Args().Slice()
	want := map[string]int{"put": 2, "get": 1, "cas": 3, "delete": 1}[op]
	if len(args) != want {
		return fmt.Errorf("%s takes %d arguments: %s", op, want, c.Command.ArgsUsage)
	}
	if op == "get" && (c.String("node") != "" || c.Bool("proven")) {
		return runProvenGet(c, args[0])
	}
	return withClient(c, func(ctx context.Context, cl *client.Client) error {
		res, err := runOp(ctx, cl, op, args)
		return printResult(c, op, args[0], res, err)
	})
}

// runOp submits one put, get, delete or cas.
func runOp(ctx context.Context, cl *client.Client, op string, args []string) (res *chain.Result, err error) {
	key := []byte(args[0])
	switch op {
	case "put":
		res, err = cl.Put(ctx, key, []byte(args[1]))
	case "get":
		res, err = cl.Get(ctx, key)
	case "delete":
		res, err = cl.Delete(ctx, key)
	case "cas":
		v, perr := strconv.ParseUint(args[1], 10, 64)
		if perr != nil {
			return nil, fmt.Errorf("VERSION %q: %w", args[1], perr)
		}
		res, err = cl.CAS(ctx, key, v, []byte(args[2]))
	}
	return res, err
}

// withClient opens a client of the network the flags name and runs fn with it, within --timeout.
func withClient(c *cli.Context, fn func(context.Context, *client.Client) error) error {
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	cl, err := openClient(ctx, c)
	if err != nil {
		return err
	}
	defer cl.Close()
	return fn(ctx, cl)
}

// resultJSON is the client's JSON output contract.
type resultJSON struct {
	OK      bool   `json:"ok"`
	Key     string `json:"key"`
	Value   string `json:"value,omitempty"`
	Version uint64 `json:"version"`
	Found   *bool  `json:"found,omitempty"`
	Height  uint64 `json:"height"`
	Seq     uint64 `json:"seq"`
	Code    string `json:"code"`
	Error   string `json:"error,omitempty"`
	// Outcome is committed (the operation applied), failed (it executed and did not apply: a proven outcome) or
	// unknown (the client did not learn it; the transaction may still commit: TxHash names it).
	Outcome string `json:"outcome"`
	TxHash  string `json:"tx_hash,omitempty"`
	Tx      string `json:"tx,omitempty"` // with an unknown outcome: the signed transaction, for `sbft client resubmit`
}

// ExitOutcomeUnknown is the exit code of a client command whose transaction's outcome stayed unknown (sysexits'
// EX_TEMPFAIL: try again), apart from 1, a failed or refused transaction.
const ExitOutcomeUnknown = 75

func printResult(c *cli.Context, op, key string, res *chain.Result, err error) error {
	var failed *client.FailedError
	var unknown *client.UnknownOutcomeError
	if errors.As(err, &unknown) {
		return printUnknown(c, key, unknown)
	}
	if err != nil && !errors.As(err, &failed) {
		return err
	}
	out := resultJSON{OK: err == nil, Key: key, Version: res.Version, Height: res.Height, Seq: res.Seq, Code: res.Code.String(),
		Outcome: "committed"}
	if op == "get" {
		found := res.Found
		out.Found, out.Value = &found, string(res.Value)
	}
	if err != nil {
		out.Error, out.Outcome = err.Error(), "failed"
	}
	if c.Bool("json") {
		b, _ := json.Marshal(out)
		fmt.Fprintln(c.App.Writer, string(b))
	} else if err == nil {
		switch {
		case op == "get" && !res.Found:
			fmt.Fprintf(c.App.Writer, "%s: not found (height %d, seq %d)\n", key, res.Height, res.Seq)
		case op == "get":
			fmt.Fprintf(c.App.Writer, "%s = %s (version %d, height %d, seq %d)\n", key, res.Value, res.Version, res.Height, res.Seq)
		default:
			fmt.Fprintf(c.App.Writer, "ok: %s %s (version %d, height %d, seq %d)\n", op, key, res.Version, res.Height, res.Seq)
		}
	}
	if err != nil {
		return cli.Exit(fmt.Sprintf("sbft: %v", err), 1)
	}
	return nil
}

// printUnknown says that the outcome is unknown, never that the transaction failed: it may still commit.
func printUnknown(c *cli.Context, key string, e *client.UnknownOutcomeError) error {
	if c.Bool("json") {
		b, _ := json.Marshal(resultJSON{Key: key, Outcome: "unknown", TxHash: hex.EncodeToString(e.TxHash[:]),
			Tx: hex.EncodeToString(e.Raw), Error: e.Error()})
		fmt.Fprintln(c.App.Writer, string(b))
	}
	return cli.Exit(fmt.Sprintf("sbft: %v", e), ExitOutcomeUnknown)
}

// runResubmit submits a signed transaction again, unchanged: its nonce lets it execute at most once, so a client
// that did not learn its outcome learns it here (a replayed-nonce refusal says it executed before, and the
// result cache no longer holds its result).
func runResubmit(c *cli.Context) error {
	if c.NArg() != 1 {
		return errors.New(`resubmit takes 1 argument: TX, the signed transaction in hex (the "tx" an unknown outcome printed with --json)`)
	}
	raw, err := hex.DecodeString(c.Args().First())
	if err != nil {
		return fmt.Errorf("TX is not hex: %w", err)
	}
	tx, err := chain.UnmarshalTx(raw)
	if err != nil {
		return fmt.Errorf("TX: %w", err)
	}
	return withClient(c, func(ctx context.Context, cl *client.Client) error {
		res, err := cl.Resubmit(ctx, raw)
		return printResult(c, "resubmit", string(tx.Key), res, err)
	})
}
