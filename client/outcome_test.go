package client

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// A client that did not learn a transaction's outcome says so, with the transaction to submit again; it never
// says "failed" about a transaction that may still commit. Proven outcomes (f+1 refusals, a failed execution)
// stay what they are.
func TestOutcomeIsUnknownUnlessProven(t *testing.T) {
	raw := []byte("a signed transaction")
	h := chain.TxHash(raw)
	busy := &wire.Reply{TxHash: h, Status: wire.StatusRejected, Reject: wire.RejectBusy, Message: "at capacity"}
	for _, tc := range []struct {
		name    string
		replies func(c *Client) // what the four replicas answer
		timeout time.Duration
		want    error // nil: an outcome, not unknown
	}{
		{"no answer in time", func(*Client) {}, 20 * time.Millisecond, ErrNoQuorum},
		{"too few reachable for f+1 until the deadline", func(c *Client) {
			for i := range uint32(3) {
				c.record(h, i, nil, errors.New("unreachable"))
			}
		}, 50 * time.Millisecond, ErrNoQuorum},
		{"every replica busy", func(c *Client) {
			for i := range uint32(4) {
				c.record(h, i, busy, nil)
			}
		}, time.Minute, ErrBusy},
		{"f+1 refusals", func(c *Client) {
			for i := range uint32(2) {
				c.record(h, i, &wire.Reply{TxHash: h, Status: wire.StatusRejected, Reject: wire.RejectReplayedNonce}, nil)
			}
		}, time.Minute, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, cl := testCall(t, raw)
			tc.replies(c)
			ctx, cancel := context.WithTimeout(t.Context(), tc.timeout)
			defer cancel()
			_, err := c.wait(ctx, h, cl)
			var unknown *UnknownOutcomeError
			switch {
			case tc.want == nil && errors.Is(err, ErrOutcomeUnknown):
				t.Fatalf("a proven outcome reported unknown: %v", err)
			case tc.want == nil:
				return
			case !errors.As(err, &unknown) || !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, tc.want):
				t.Fatalf("got %v, want an unknown outcome caused by %v", err, tc.want)
			case unknown.TxHash != h || string(unknown.Raw) != string(raw):
				t.Fatalf("the error names transaction %x with %q, want %x with the signed bytes", unknown.TxHash[:4], unknown.Raw, h[:4])
			}
		})
	}
}

// testCall is a client of four replicas (f = 1) without a network, waiting for raw's outcome, which it sent
// to every replica.
func testCall(t *testing.T, raw []byte) (*Client, *call) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	c := &Client{ids: make([]peer.AddrInfo, 4), ctx: ctx, calls: map[[32]byte]*call{}}
	cl := &call{route: NewRoute(raw, 4, 1), resent: map[uint32]int{}, done: make(chan struct{})}
	cl.route.Start(0, true)
	c.calls[chain.TxHash(raw)] = cl
	t.Cleanup(c.wg.Wait)
	return c, cl
}
