package clientnode

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/wire"
)

// A client node's HTTP API, for the applications beside it:
//
//	GET /status            Status
//	GET /health            Health: 200 when the node follows the network closely, else 503 with the reasons
//	GET /kv/KEY            wire.ReadJSON: the key's value at the certified height, with the proof material
//	GET /block/H           one BlockJSON
//	GET /blocks[?from=H]   a stream of BlockJSON lines (NDJSON) from height H on (default: the live tail,
//	                       the blocks applied from now on), as blocks are applied
//	GET /genesis           the genesis this node follows (a reader should pin its own rather than trust it)
//	GET /metrics           Prometheus
//
// Errors are {"error": "..."} with 400 for a bad request, 404 for a block not applied here, 503 when no
// certified state is there yet.

func (f *Node) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, f.Status()) })
	mux.HandleFunc("GET /kv/{key...}", f.handleRead)
	mux.HandleFunc("GET /health", f.handleHealth)
	mux.HandleFunc("GET /block/{height}", f.handleBlock)
	mux.HandleFunc("GET /blocks", f.handleBlocks)
	mux.HandleFunc("GET /genesis", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(f.opts.Genesis.Marshal())
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(f.registry, promhttp.HandlerOpts{}))
	return f.whileOpen(mux)
}

// ErrStopped is answered by a client node that is shutting down.
var ErrStopped = errors.New("client node stopping")

// whileOpen serves requests only while the store is open: Run closes it after the last handler returned.
func (f *Node) whileOpen(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.serving.RLock()
		defer f.serving.RUnlock()
		if f.stopped {
			writeError(w, http.StatusServiceUnavailable, ErrStopped)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func (f *Node) handleRead(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if len(key) == 0 || len(key) > chain.KeyBytesMax {
		f.metrics.reads.WithLabelValues("bad_key").Inc()
		writeError(w, http.StatusBadRequest, fmt.Errorf("%w: %d bytes, want 1..%d", ErrReadKey, len(key), chain.KeyBytesMax))
		return
	}
	p, err := f.ProvenRead([]byte(key))
	if err != nil {
		f.metrics.reads.WithLabelValues("uncertified").Inc()
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	f.metrics.reads.WithLabelValues("proven").Inc()
	writeJSON(w, http.StatusOK, wire.NewReadJSON(p))
}

// BlockJSON is one line of a client node's block stream. Field names are a contract: add, never rename.
type BlockJSON struct {
	Height    uint64       `json:"height"`
	BlockHash string       `json:"block_hash"`
	StateRoot string       `json:"state_root"`
	Txs       int          `json:"txs"`
	Updates   []UpdateJSON `json:"updates"`
}

// UpdateJSON is one KV change of a block; value_base64 holds the exact bytes.
type UpdateJSON struct {
	Key         string `json:"key"`
	Value       string `json:"value,omitempty"`
	ValueBase64 []byte `json:"value_base64,omitempty"`
	Version     uint64 `json:"version"`
	Deleted     bool   `json:"deleted,omitempty"`
}

// ErrStreamLimit is answered when BlockStreamsMax streams are open.
var ErrStreamLimit = errors.New("too many block streams open; try again later")

// Health is a client node's answer to GET /health.
type Health struct {
	OK      bool     `json:"ok"`
	Height  uint64   `json:"height"`
	Lag     uint64   `json:"lag"`
	Reasons []string `json:"reasons,omitempty"` // why it is not OK
}

// health says whether the node serves proven reads of a recent state: it holds a certified state, is at most
// HealthLagBlocksMax behind what the network certified, and follows a replica.
func (f *Node) health() Health {
	st := f.progress()
	h := Health{OK: true, Height: st.Height, Lag: st.Lag}
	fail := func(reason string) { h.OK, h.Reasons = false, append(h.Reasons, reason) }
	if st.CertifiedHeight == 0 && st.NetworkHeight > 0 {
		fail("no certified state yet: proven reads answer 503")
	}
	if st.Lag > HealthLagBlocksMax {
		fail(fmt.Sprintf("%d blocks behind the network (at most %d)", st.Lag, HealthLagBlocksMax))
	}
	if st.Source < 0 && !st.CatchingUp {
		fail("following no replica: none answers a subscription")
	}
	return h
}

func (f *Node) handleHealth(w http.ResponseWriter, _ *http.Request) {
	h := f.health()
	status := http.StatusOK
	if !h.OK {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, h)
}

// handleBlock answers one applied block.
func (f *Node) handleBlock(w http.ResponseWriter, r *http.Request) {
	h, err := strconv.ParseUint(r.PathValue("height"), 10, 64)
	if err != nil || h == 0 {
		writeError(w, http.StatusBadRequest, fmt.Errorf("%w: %q", ErrBlockHeight, r.PathValue("height")))
		return
	}
	if top := f.height.Load(); h > top {
		writeError(w, http.StatusNotFound, fmt.Errorf("%w: block %d not applied here yet (height %d)", ErrBlockHeight, h, top))
		return
	}
	line, err := f.blockJSON(h)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, line)
}

// handleBlocks streams every block from ?from= on (without it, from the next block applied), waiting for new
// ones, until the reader goes away or stops reading for BlockStreamWriteTimeout.
func (f *Node) handleBlocks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("from")
	from, err := strconv.ParseUint(q, 10, 64)
	if q == "" {
		from, err = f.height.Load()+1, nil
	}
	if err != nil || from == 0 || from > f.height.Load()+1 {
		writeError(w, http.StatusBadRequest, fmt.Errorf("from=%q: want a height in 1..%d", r.URL.Query().Get("from"), f.height.Load()+1))
		return
	}
	if f.streams.Add(1) > BlockStreamsMax {
		f.streams.Add(-1)
		writeError(w, http.StatusServiceUnavailable, ErrStreamLimit)
		return
	}
	defer f.streams.Add(-1)
	w.Header().Set("Content-Type", "application/x-ndjson")
	rc := http.NewResponseController(w)
	enc := json.NewEncoder(w)
	for next := from; ; {
		changed := f.HeightChanged()
		for ; next <= f.height.Load(); next++ {
			line, err := f.blockJSON(next)
			if err != nil {
				f.log.Warn("block stream ended", "height", next, "err", err)
				return
			}
			rc.SetWriteDeadline(time.Now().Add(BlockStreamWriteTimeout))
			if enc.Encode(line) != nil {
				return
			}
		}
		if rc.Flush() != nil {
			return
		}
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		}
	}
}

func (f *Node) blockJSON(h uint64) (*BlockJSON, error) {
	raw, err := f.store.Get(chain.BlockKey(h))
	if err != nil {
		return nil, fmt.Errorf("block %d: %w", h, err)
	}
	blk, err := chain.UnmarshalBlock(raw)
	if err != nil {
		return nil, err
	}
	outcomes, err := f.store.Get(chain.OutcomesKey(h))
	if err != nil {
		return nil, fmt.Errorf("outcomes of block %d: %w", h, err)
	}
	ups, err := chain.BlockUpdates(blk, outcomes)
	if err != nil {
		return nil, err
	}
	bh := blk.Header.Hash()
	out := &BlockJSON{Height: h, BlockHash: hex.EncodeToString(bh[:]), StateRoot: hex.EncodeToString(blk.Header.StateRoot[:]),
		Txs: len(blk.Txs), Updates: make([]UpdateJSON, 0, len(ups))}
	for _, u := range ups {
		out.Updates = append(out.Updates, UpdateJSON{Key: string(u.Key), Value: string(u.Value), ValueBase64: u.Value,
			Version: u.Version, Deleted: u.Deleted})
	}
	return out, nil
}
