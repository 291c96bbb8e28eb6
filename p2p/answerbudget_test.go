package p2p

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/wire/proto"
)

// The budget's arithmetic: per peer, per kind, in total, the headroom large answers may not take, and what
// shrink and release give back.
func TestAnswerBudgetBounds(t *testing.T) {
	b := newAnswerBudget()
	b.limits[KindOther] = answerLimits{perPeer: 40 << 20, total: 64 << 20}
	now := func() context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // no waiting: what does not fit now is refused
		return ctx
	}
	p1, p2, p3 := peer.ID("p1"), peer.ID("p2"), peer.ID("p3")
	r1, err := b.reserve(now(), p1, KindOther, 32<<20)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.reserve(now(), p1, KindOther, 16<<20); !errors.Is(err, ErrBusy) {
		t.Fatalf("a peer past its bound: %v", err)
	}
	if _, err := b.reserve(now(), p2, KindOther, 32<<20); !errors.Is(err, ErrBusy) {
		t.Fatalf("a large answer into the headroom: %v", err)
	}
	r2, err := b.reserve(now(), p2, KindOther, 24<<20) // 56 MiB of 64: the headroom stays
	if err != nil {
		t.Fatal(err)
	}
	small, err := b.reserve(now(), p3, KindOther, AnswerSmallBytesMax) // small answers may use the headroom
	if err != nil {
		t.Fatalf("a small answer refused while large ones fill the budget: %v", err)
	}
	if _, err := b.reserve(now(), p3, KindReplica, 32<<20); err != nil {
		t.Fatalf("replicas have a budget of their own: %v", err)
	}
	if _, err := b.reserve(now(), p3, KindOther, 41<<20); !errors.Is(err, ErrBusy) {
		t.Fatalf("an answer over the per-peer bound: %v", err)
	}
	r1.shrink(1 << 20)
	if got := b.heldBytes(KindOther); got != 1<<20+24<<20+AnswerSmallBytesMax {
		t.Fatalf("held after shrink: %d", got)
	}
	r1.release()
	r1.release() // a second release gives nothing back twice
	r2.release()
	small.release()
	if got := b.heldBytes(KindOther); got != 0 || len(b.byPeer) != 1 {
		t.Fatalf("held after release: %d bytes, %d peers", got, len(b.byPeer))
	}
}

// A reservation that does not fit waits for a release (replicas' requests wait), and gives up when its
// context ends.
func TestAnswerBudgetWaitsForRelease(t *testing.T) {
	b := newAnswerBudget()
	p := peer.ID("replica")
	full, err := b.reserve(context.Background(), p, KindReplica, AnswerBytesPerReplicaMax)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		r, err := b.reserve(context.Background(), p, KindReplica, 1<<20)
		r.release()
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("reserved past the bound: %v", err)
	default:
	}
	full.release()
	if err := <-got; err != nil {
		t.Fatalf("waiting reservation: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	full, _ = b.reserve(context.Background(), p, KindReplica, AnswerBytesPerReplicaMax)
	defer full.release()
	if _, err := b.reserve(ctx, p, KindReplica, 1); !errors.Is(err, ErrBusy) {
		t.Fatalf("a reservation past its context: %v", err)
	}
}

// Over real libp2p: answers being built for other peers hold the budget; past it, another peer is answered
// busy at once while replicas and small answers are still served; a peer that never reads its answer holds
// the budget only until its stream goes, and everything is given back.
func TestRequestsBeyondTheAnswerBudgetAreBusy(t *testing.T) {
	th := newTestHosts(t, 2, false)
	srv := th.hosts[0]
	building := make(chan struct{}, 8)
	finish := make(chan struct{})
	srv.HandleRequest("blocks", RequestBounds{RequestBytesMax: 8, AnswerBytesMax: proto.BlocksAnswerBytesMax}, func(peer.ID, []byte) ([]byte, error) {
		building <- struct{}{}
		<-finish
		return make([]byte, 4<<20), nil
	})
	srv.HandleRequest("small", RequestBounds{RequestBytesMax: 8, AnswerBytesMax: 100}, func(peer.ID, []byte) ([]byte, error) {
		return []byte("ok"), nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	fits := int((AnswerBytesForOthersMax - AnswerHeadroomBytes) / (proto.BlocksAnswerBytesMax + 1))
	errs := make(chan error, fits)
	for k := 0; k < fits; k++ {
		out := th.outsider()
		go func() {
			_, err := out.Request(ctx, th.infos[0].ID, "blocks", []byte("r"), proto.BlocksAnswerBytesMax)
			errs <- err
		}()
		<-building
	}
	if _, err := th.outsider().Request(ctx, th.infos[0].ID, "blocks", []byte("r"), proto.BlocksAnswerBytesMax); !errors.Is(err, ErrBusy) {
		t.Fatalf("a request past the budget: %v, want ErrBusy", err)
	}
	if resp, err := th.outsider().Request(ctx, th.infos[0].ID, "small", []byte("r"), 100); err != nil || string(resp) != "ok" {
		t.Fatalf("a small answer while the budget is full: %q %v", resp, err)
	}
	go th.hosts[1].Request(ctx, th.infos[0].ID, "blocks", []byte("r"), proto.BlocksAnswerBytesMax)
	<-building // a replica's request is built beside them: its kind has a budget of its own
	close(finish)
	for k := 0; k < fits; k++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	waitHeld(t, srv, KindOther, 0)
	waitHeld(t, srv, KindReplica, 0)
}

// A peer that asks and never reads: its answer is held (not copied) until the stream is reset.
func TestUnreadAnswerHoldsBudgetUntilReset(t *testing.T) {
	if err := checkUnreadAnswerHeld(t); err != nil {
		t.Fatal(err)
	}
}

// checkUnreadAnswerHeld asks for a large answer and never reads it; nil when the host holds the answer's
// bytes in its budget while the write is stuck and gives them back once the stream is reset. The mutants
// build plants a budget released before the answer is written and expects this to catch it.
func checkUnreadAnswerHeld(t *testing.T) error {
	th := newTestHosts(t, 1, false)
	srv := th.hosts[0]
	const size = 24 << 20 // beyond what the stream's windows take without a reader
	srv.HandleRequest("blocks", RequestBounds{RequestBytesMax: 8, AnswerBytesMax: proto.BlocksAnswerBytesMax}, func(peer.ID, []byte) ([]byte, error) {
		return make([]byte, size), nil
	})
	out := th.outsider()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := out.h.Connect(ctx, peer.AddrInfo{ID: th.infos[0].ID, Addrs: th.infos[0].Addrs}); err != nil {
		t.Fatal(err)
	}
	s, err := out.h.NewStream(ctx, th.infos[0].ID, ProtocolID("test", "blocks"))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteFrame(s, []byte("r")); err != nil {
		t.Fatal(err)
	}
	if err := awaitHeld(srv, KindOther, 1+size); err != nil { // built, shrunk to its size, stuck in the write
		s.Reset()
		return err
	}
	s.Reset()
	return awaitHeld(srv, KindOther, 0)
}

// waitHeld fails the test unless the host's budget comes to hold want bytes for kind.
func waitHeld(t *testing.T, h *Host, kind PeerKind, want int64) {
	t.Helper()
	if err := awaitHeld(h, kind, want); err != nil {
		t.Fatal(err)
	}
}

// awaitHeld polls the host's budget (held by its goroutines) until it holds want bytes for kind.
func awaitHeld(h *Host, kind PeerKind, want int64) error {
	deadline := time.Now().Add(5 * time.Second)
	for h.AnswerBytesHeld(kind) != want {
		if time.Now().After(deadline) {
			return fmt.Errorf("answer budget of %s peers holds %d bytes, want %d", kind, h.AnswerBytesHeld(kind), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

func TestAnswerWriteTimeoutGrowsWithSize(t *testing.T) {
	if small, big := answerWriteTimeout(100), answerWriteTimeout(32<<20); small < StreamWriteTimeout || big < small+30*time.Second {
		t.Fatalf("write deadlines: %v for 100 bytes, %v for 32 MiB", small, big)
	}
}
