package check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sbftnet/sbft/chain"
)

// The agreement checker, shown blocks through the Observer interface, fires on two blocks at one height, for
// replicas and for the client node alike.
func TestAgreementBites(t *testing.T) {
	var got []string
	var obs Observer = New(Config{ChainID: "test", N: 4, F: 1, NoCertificates: true,
		Violate: func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }})
	store := chain.NewMemStore()
	b := &chain.Block{Header: chain.Header{Height: 1, Seq: 1}}
	other := &chain.Block{Header: chain.Header{Height: 1, Seq: 2}}
	obs.Installed(0, store, b)
	obs.Installed(1, store, b)
	obs.ClientNodeKept(1, b.Header.Hash())
	if len(got) != 0 {
		t.Fatalf("violations for one block at one height: %q", got)
	}
	obs.Installed(2, store, other)
	obs.Installed(0, store, &chain.Block{Header: chain.Header{Height: 2, Seq: 2}})
	obs.ClientNodeKept(2, (&chain.Header{Height: 2, Seq: 3}).Hash())
	if len(got) != 2 || !strings.HasPrefix(got[0], "agreement: replica 2 ") || !strings.HasPrefix(got[1], "agreement: the client node ") {
		t.Fatalf("violations: %q", got)
	}
}

// The outcome-validity checker: a transaction reported failed to its client never executes with CodeOK at a
// correct replica, whichever comes first; and a transaction no client submitted may execute only refused.
func TestOutcomeValidityBites(t *testing.T) {
	tx := []byte("a client's transaction")
	h := chain.TxHash(tx)
	block := func(code chain.Code) (*chain.Block, []chain.Result) {
		return &chain.Block{Header: chain.Header{Height: 1, Seq: 1}, Txs: [][]byte{tx}}, []chain.Result{{TxHash: h, Code: code}}
	}
	for _, tc := range []struct {
		name      string
		submitted bool
		failed    bool // the client was told it failed...
		after     bool // ...after the replica executed it
		code      chain.Code
		want      string // the violation's prefix ("": none)
	}{
		{"failed, then applied", true, true, false, chain.CodeOK, "outcome validity: "},
		{"applied, then reported failed", true, true, true, chain.CodeOK, "outcome validity: "},
		{"failed and refused", true, true, false, chain.CodeConditionFailed, ""},
		{"applied", true, false, false, chain.CodeOK, ""},
		{"unsigned and applied", false, false, false, chain.CodeOK, "linearizability: "},
		{"unsigned and refused", false, false, false, chain.CodeBadSignature, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var obs Observer = New(Config{ChainID: "test", N: 4, F: 1, NoCertificates: true,
				Violate: func(format string, args ...any) { got = append(got, fmt.Sprintf(format, args...)) }})
			if tc.submitted {
				obs.Submitted(h)
			}
			if tc.failed && !tc.after {
				obs.Failed(h)
			}
			b, results := block(tc.code)
			obs.Executed(0, chain.NewMemStore(), b, results)
			if tc.failed && tc.after {
				obs.Failed(h)
			}
			if tc.want == "" && len(got) > 0 || tc.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tc.want)) {
				t.Fatalf("violations %q, want one starting %q", got, tc.want)
			}
		})
	}
}
