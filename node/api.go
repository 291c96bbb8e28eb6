package node

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
)

// registerInfo serves the genesis document to anyone over libp2p (client nodes and the CLI learn the network
// from a replica's address).
func (n *Node) registerInfo() {
	n.host.HandleDocument(wire.InfoProtocol, n.opts.Genesis.Marshal())
}

func (n *Node) handleStatus(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(n.Status())
}

func promhttpHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

// Health is GET /health: ok only when the replica is connected to a quorum of replicas, not syncing and not
// diverged (for load balancers and orchestrators: 200 when ok, 503 with the reasons otherwise).
type Health struct {
	OK        bool     `json:"ok"`
	Reasons   []string `json:"reasons,omitempty"`
	Connected int      `json:"connected_replicas"` // other replicas with a live connection
	Quorum    int      `json:"quorum"`             // replicas (counting this one) a quorum needs: 2f+c+1
}

// HealthOf judges a status: quorum is 2f+c+1, the replicas (counting this one) a commit needs.
func HealthOf(s *replica.Status, quorum int) Health {
	h := Health{Connected: s.Peers, Quorum: quorum}
	if s.Peers+1 < quorum {
		h.Reasons = append(h.Reasons, fmt.Sprintf("connected to %d other replicas: a quorum needs %d", s.Peers, quorum-1))
	}
	if s.Syncing {
		h.Reasons = append(h.Reasons, "state transfer under way")
	}
	if s.DuplicateIdentity {
		h.Reasons = append(h.Reasons, "another process uses this replica's key")
	} else if !s.Healthy {
		h.Reasons = append(h.Reasons, "diverged: a checkpoint of this replica differed from a stable one")
	}
	h.OK = len(h.Reasons) == 0
	return h
}

func (n *Node) handleHealth(w http.ResponseWriter, _ *http.Request) {
	s := n.Status()
	h := HealthOf(&s, 2*n.opts.Genesis.F+n.opts.Genesis.C+1)
	status := http.StatusOK
	if !h.OK {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, h)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
