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
