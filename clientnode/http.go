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
//	GET /kv/KEY            wire.ReadJSON: the key's value at the certified height, with the proof material
//	GET /blocks?from=H     a stream of BlockJSON lines (NDJSON) from height H on, as blocks are applied
//	GET /genesis           the genesis this node follows (a reader should pin its own rather than trust it)
//	GET /metrics           Prometheus
//
// Errors are {"error": "..."} with 400 for a bad request, 503 when no certified state is there yet.

func (f *Node) httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, f.Status()) })
	mux.HandleFunc("GET /kv/{key...}", f.handleRead)
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

// handleBlocks streams every block from ?from= on, waiting for new ones, until the reader goes away or stops
// reading for BlockStreamWriteTimeout.
func (f *Node) handleBlocks(w http.ResponseWriter, r *http.Request) {
	from, err := strconv.ParseUint(r.URL.Query().Get("from"), 10, 64)
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
