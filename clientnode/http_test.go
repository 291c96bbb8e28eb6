package clientnode

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// GET /block/H answers an applied block and 404 above the height; GET /health says why it is not OK.
func TestBlockAndHealthEndpoints(t *testing.T) {
	f := newTestNode(t)
	for _, blk := range sourceChain(t, 1, 2) {
		if err := f.applyBlock(blk, nil, true); err != nil {
			t.Fatal(err)
		}
	}
	f.source.Store(-1) // following no replica
	h := f.httpHandler()
	get := func(path string) (int, []byte) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.Bytes()
	}
	code, body := get("/block/2")
	var b BlockJSON
	if code != http.StatusOK || json.Unmarshal(body, &b) != nil || b.Height != 2 || b.BlockHash == "" {
		t.Fatalf("/block/2: %d %s", code, body)
	}
	for path, want := range map[string]int{"/block/3": http.StatusNotFound, "/block/0": http.StatusBadRequest,
		"/block/x": http.StatusBadRequest} {
		if code, body := get(path); code != want {
			t.Errorf("%s: %d %s, want %d", path, code, body, want)
		}
	}
	code, body = get("/health")
	var hl Health
	if code != http.StatusServiceUnavailable || json.Unmarshal(body, &hl) != nil || hl.OK || len(hl.Reasons) == 0 ||
		hl.Height != 2 {
		t.Fatalf("/health of a node following no replica: %d %s", code, body)
	}
}

// GET /blocks without from= is the live tail (it was a 400): nothing of the past, the blocks applied from now on.
func TestBlocksWithoutFromIsTheLiveTail(t *testing.T) {
	f := newTestNode(t)
	for _, blk := range sourceChain(t, 1, 2) {
		if err := f.applyBlock(blk, nil, true); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the reader leaves at once: what was written before is what the tail had
	rec := httptest.NewRecorder()
	f.httpHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/blocks", nil).WithContext(ctx))
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Fatalf("/blocks: %d %q, want 200 and no past block", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	f.httpHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/blocks?from=2", nil).WithContext(ctx))
	if rec.Code != http.StatusOK || !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("/blocks?from=2: %d %q, want block 2", rec.Code, rec.Body.String())
	}
}
