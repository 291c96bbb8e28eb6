package node

import (
	"strings"
	"testing"

	"github.com/sbftnet/sbft/replica"
)

// /health is 200 only when the replica can take part in a quorum: connected to enough replicas, not
// transferring state, not diverged, its key not in use elsewhere; otherwise it says every reason.
func TestHealthOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		s       replica.Status
		reasons []string
	}{
		{"all connected", replica.Status{Peers: 3, Healthy: true}, nil},
		{"quorum exactly", replica.Status{Peers: 2, Healthy: true}, nil},
		{"below quorum", replica.Status{Peers: 1, Healthy: true}, []string{"connected to 1 other replicas: a quorum needs 2"}},
		{"syncing", replica.Status{Peers: 3, Healthy: true, Syncing: true}, []string{"state transfer"}},
		{"diverged", replica.Status{Peers: 3}, []string{"diverged"}},
		{"duplicate identity", replica.Status{Peers: 3, DuplicateIdentity: true}, []string{"another process uses this replica's key"}},
		{"isolated and syncing", replica.Status{Syncing: true, Healthy: true}, []string{"a quorum needs 2", "state transfer"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := HealthOf(&tc.s, 3) // n=4, f=1: 2f+1
			if h.OK != (len(tc.reasons) == 0) || len(h.Reasons) != len(tc.reasons) {
				t.Fatalf("got %+v, want reasons %q", h, tc.reasons)
			}
			for i, want := range tc.reasons {
				if !strings.Contains(h.Reasons[i], want) {
					t.Errorf("reason %d: %q does not say %q", i, h.Reasons[i], want)
				}
			}
		})
	}
}
