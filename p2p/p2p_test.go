package p2p

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/multiformats/go-multiaddr"
	"go.uber.org/goleak"

	"github.com/sbftnet/sbft/wire/proto"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// Package-level background workers of libp2p and its dependencies that outlive any one host.
		goleak.IgnoreAnyFunction("github.com/libp2p/go-flow-metrics.(*sweeper).run"),
		goleak.IgnoreAnyFunction("github.com/ipfs/go-log/v2/writer.(*MirrorWriter).logRoutine"),
		goleak.IgnoreAnyFunction("go.opencensus.io/stats/view.(*worker).start"),
	)
}

func TestReadFrame(t *testing.T) {
	frame := func(n int) []byte {
		var b bytes.Buffer
		WriteFrame(&b, bytes.Repeat([]byte{7}, n))
		return b.Bytes()
	}
	cases := []struct {
		name    string
		in      []byte
		max     int
		wantLen int
		wantErr error
	}{
		{"exact", frame(10), 10, 10, nil},
		{"zero length", frame(0), 10, 0, nil},
		{"oversize", frame(11), 10, 0, ErrFrameTooLarge},
		{"huge prefix", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 1 << 20, 0, ErrFrameTooLarge},
		{"truncated payload", frame(10)[:5], 10, 0, io.ErrUnexpectedEOF},
		{"empty", nil, 10, 0, io.EOF},
		{"varint overflow", bytes.Repeat([]byte{0xff}, 11), 10, 0, errors.New("overflow")},
	}
	for _, tc := range cases {
		got, err := ReadFrame(bytes.NewReader(tc.in), tc.max)
		switch {
		case tc.wantErr == nil && (err != nil || len(got) != tc.wantLen):
			t.Errorf("%s: got %d bytes, err %v", tc.name, len(got), err)
		case tc.wantErr != nil && err == nil:
			t.Errorf("%s: no error", tc.name)
		case tc.wantErr == ErrFrameTooLarge && !errors.Is(err, ErrFrameTooLarge):
			t.Errorf("%s: err %v, want ErrFrameTooLarge", tc.name, err)
		}
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{3, 1, 2, 3})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ReadFrame(bytes.NewReader(b), 64)
		if err == nil && len(got) > 64 {
			t.Fatal("frame beyond the cap")
		}
	})
}

// testHosts makes n replica hosts (plus extra non-replica keys) on 127.0.0.1.
type testHosts struct {
	t     *testing.T
	keys  []crypto.PrivKey
	infos []peer.AddrInfo
	hosts []*Host
	quic  bool
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func newTestHosts(t *testing.T, n int, quic bool) *testHosts {
	th := &testHosts{t: t, quic: quic}
	for i := 0; i < n; i++ {
		k, _, _ := crypto.GenerateEd25519Key(rand.Reader)
		id, _ := peer.IDFromPrivateKey(k)
		port := freePort(t)
		addr := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", port)
		if quic {
			addr = fmt.Sprintf("/ip4/127.0.0.1/udp/%d/quic-v1", port)
		}
		th.keys = append(th.keys, k)
		th.infos = append(th.infos, peer.AddrInfo{ID: id, Addrs: []multiaddr.Multiaddr{multiaddr.StringCast(addr)}})
	}
	th.hosts = make([]*Host, n)
	for i := 0; i < n; i++ {
		th.start(i)
	}
	t.Cleanup(func() {
		for _, h := range th.hosts {
			if h != nil {
				h.Close()
			}
		}
	})
	return th
}

func (th *testHosts) start(i int) {
	h, err := New(Config{ChainID: "test", Key: th.keys[i], ListenAddrs: th.infos[i].Addrs, Replicas: th.infos})
	// A host restarted on its address may find the UDP socket of its closed predecessor not yet released by
	// quic-go (it closes asynchronously): try again for a while, polling the OS.
	for try := 0; err != nil && strings.Contains(err.Error(), "address already in use") && try < 100; try++ {
		time.Sleep(20 * time.Millisecond)
		h, err = New(Config{ChainID: "test", Key: th.keys[i], ListenAddrs: th.infos[i].Addrs, Replicas: th.infos})
	}
	if err != nil {
		th.t.Fatalf("host %d: %v", i, err)
	}
	th.hosts[i] = h
}

// outsider is a host whose key is not in the replica set.
func (th *testHosts) outsider() *Host {
	k, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	h, err := New(Config{ChainID: "test", Key: k, Replicas: th.infos})
	if err != nil {
		th.t.Fatal(err)
	}
	th.t.Cleanup(func() { h.Close() })
	return h
}

type inbox struct {
	mu  sync.Mutex
	got map[string]bool
	ch  chan struct{}
}

func newInbox() *inbox { return &inbox{got: map[string]bool{}, ch: make(chan struct{}, 1)} }

func (b *inbox) handler(from uint32, f []byte) {
	b.mu.Lock()
	b.got[fmt.Sprintf("%d:%s", from, f)] = true
	b.mu.Unlock()
	select {
	case b.ch <- struct{}{}:
	default:
	}
}

func (b *inbox) has(k string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.got[k]
}

// eventually resends until cond holds, waiting on deliveries (not sleeping blindly) up to a generous deadline.
func eventually(t *testing.T, what string, b *inbox, resend func(), cond func() bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-b.ch:
		case <-tick.C:
			resend()
		case <-deadline:
			t.Fatalf("%s did not happen", what)
		}
	}
}

func TestMeshDeliversAndReconnects(t *testing.T) {
	for _, quic := range []bool{false, true} {
		t.Run(fmt.Sprintf("quic=%v", quic), func(t *testing.T) {
			th := newTestHosts(t, 4, quic)
			boxes := make([]*inbox, 4)
			for i, h := range th.hosts {
				boxes[i] = newInbox()
				h.StartMesh(boxes[i].handler)
			}
			for i := range th.hosts {
				eventually(t, "broadcast reaches all", boxes[i], func() {
					for j, h := range th.hosts {
						h.Broadcast([]byte(fmt.Sprintf("hello-%d", j)))
					}
				}, func() bool {
					for j := range th.hosts {
						if j != i && !boxes[i].has(fmt.Sprintf("%d:hello-%d", j, j)) {
							return false
						}
					}
					return true
				})
			}
			if n := th.hosts[0].ConnectedReplicas(); n != 3 {
				t.Fatalf("connected replicas = %d, want 3", n)
			}
			// Replica 2 goes away and comes back with the same key and address: 0 reaches it again.
			th.hosts[2].Close()
			th.start(2)
			box := newInbox()
			th.hosts[2].StartMesh(box.handler)
			eventually(t, "delivery after restart", box, func() { th.hosts[0].Send(2, []byte("again")) },
				func() bool { return box.has("0:again") })
		})
	}
}

func TestNonReplicaCannotSpeakReplicaProtocols(t *testing.T) {
	th := newTestHosts(t, 4, false)
	box := newInbox()
	th.hosts[0].StartMesh(box.handler)
	th.hosts[0].HandleRequest("secret", RequestBounds{RequestBytesMax: 100, AnswerBytesMax: 100, ReplicasOnly: true}, func(peer.ID, []byte) ([]byte, error) { return []byte("s"), nil })
	th.hosts[0].HandleRequest("open", RequestBounds{RequestBytesMax: 100, AnswerBytesMax: 100, ReplicasOnly: false}, func(peer.ID, []byte) ([]byte, error) { return []byte("o"), nil })
	th.hosts[0].HandleSession("sess", 100, ServedSessionQueueFramesMax, false, func(s Session) {
		f, err := s.Recv()
		if err == nil {
			s.Send(append([]byte("echo:"), f...))
			s.Recv() // until the client goes
		}
	})
	out := th.outsider()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := out.Connect(ctx, peer.AddrInfo{ID: th.infos[0].ID, Addrs: th.infos[0].Addrs}); err != nil {
		t.Fatalf("a client cannot connect: %v", err)
	}
	// The consensus protocol: the stream is reset, nothing reaches the handler.
	s, err := out.h.NewStream(ctx, th.infos[0].ID, ProtocolID("test", proto.MeshProtocol))
	if err == nil {
		WriteFrame(s, []byte("intruder"))
		_, err = s.Read(make([]byte, 1))
		s.Reset()
	}
	if err == nil || box.has("0:intruder") {
		t.Fatal("a non-replica spoke the consensus protocol")
	}
	if _, err := out.Request(ctx, th.infos[0].ID, "secret", []byte("x"), 100); err == nil {
		t.Fatal("a non-replica used a replicas-only request protocol")
	}
	if resp, err := out.Request(ctx, th.infos[0].ID, "open", []byte("x"), 100); err != nil || string(resp) != "o" {
		t.Fatalf("open request: %q %v", resp, err)
	}
	ss, err := out.OpenSession(ctx, th.infos[0].ID, "sess", 100, SessionQueueFramesMax)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	ss.Send([]byte("hi"))
	if f, err := ss.Recv(); err != nil || string(f) != "echo:hi" {
		t.Fatalf("session: %q %v", f, err)
	}
}

func TestRequestErrorsReachTheRequester(t *testing.T) {
	th := newTestHosts(t, 4, false)
	th.hosts[0].HandleRequest("fails", RequestBounds{RequestBytesMax: 100, AnswerBytesMax: 100, ReplicasOnly: true}, func(peer.ID, []byte) ([]byte, error) {
		return nil, errors.New("no such block")
	})
	th.hosts[0].HandleRequest("panics", RequestBounds{RequestBytesMax: 100, AnswerBytesMax: 100, ReplicasOnly: true}, func(peer.ID, []byte) ([]byte, error) { panic("boom") })
	release := make(chan struct{})
	th.hosts[0].HandleRequest("stalls", RequestBounds{RequestBytesMax: 100, AnswerBytesMax: 100, ReplicasOnly: true}, func(peer.ID, []byte) ([]byte, error) {
		<-release
		return nil, nil
	})
	defer close(release)
	ctx := context.Background()
	if _, err := th.hosts[1].Request(ctx, th.infos[0].ID, "fails", []byte("r"), 100); !errors.Is(err, ErrRemote) || !strings.Contains(err.Error(), "no such block") {
		t.Fatalf("handler error: %v", err)
	}
	if _, err := th.hosts[1].Request(ctx, th.infos[0].ID, "panics", []byte("r"), 100); !errors.Is(err, ErrRemote) {
		t.Fatalf("handler panic: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	if _, err := th.hosts[1].Request(short, th.infos[0].ID, "stalls", []byte("r"), 100); err == nil {
		t.Fatal("a stalled handler did not time out")
	}
	if _, err := th.hosts[1].Request(ctx, th.infos[0].ID, "fails", bytes.Repeat([]byte{1}, 101), 100); err == nil {
		t.Fatal("an oversize request was served")
	}
}

// Garbage on every protocol: the host survives and the handler never sees a frame over its cap.
func TestMalformedBytesDoNotCrash(t *testing.T) {
	th := newTestHosts(t, 4, false)
	// Connected before 0 dials 1 for its own mesh: simultaneous dials can fail the first attempt.
	if err := th.hosts[1].h.Connect(context.Background(), peer.AddrInfo{ID: th.infos[0].ID, Addrs: th.infos[0].Addrs}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	maxSeen := 0
	th.hosts[0].StartMesh(func(_ uint32, f []byte) {
		mu.Lock()
		maxSeen = max(maxSeen, len(f))
		mu.Unlock()
	})
	th.hosts[0].HandleSession("sess", 16, ServedSessionQueueFramesMax, false, func(s Session) {
		for {
			if _, err := s.Recv(); err != nil {
				return
			}
		}
	})
	th.hosts[0].HandleRequest("req", RequestBounds{RequestBytesMax: 16, AnswerBytesMax: 100, ReplicasOnly: true}, func(peer.ID, []byte) ([]byte, error) { return nil, nil })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	junk := [][]byte{
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, // varint overflow
		{0xff, 0xff, 0xff, 0x7f}, // length far over every cap
		{0x10, 1, 2},             // truncated
		[]byte("GET / HTTP/1.1\r\n\r\n"),
	}
	for _, name := range []string{proto.MeshProtocol, "sess", "req"} {
		for _, j := range junk {
			s, err := th.hosts[1].h.NewStream(ctx, th.infos[0].ID, ProtocolID("test", name))
			if err != nil {
				t.Fatal(err)
			}
			s.Write(j)
			s.CloseWrite()
			s.Read(make([]byte, 16))
			s.Reset()
		}
	}
	// Still serving.
	if _, err := th.hosts[2].Request(ctx, th.infos[0].ID, "req", []byte("ok"), 16); err != nil {
		t.Fatalf("host stopped serving after junk: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if maxSeen > MeshFrameBytesMax {
		t.Fatal("a frame over the cap reached the handler")
	}
}

func TestEmptyReplicaSetRefused(t *testing.T) {
	k, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	if _, err := New(Config{ChainID: "c", Key: k}); !errors.Is(err, ErrConfig) {
		t.Fatalf("empty replica set: %v", err)
	}
}

// A peer that announces a huge frame and sends little of it costs memory in proportion to what it sent, not
// to what it announced (found: 40 such streams took an honest replica from 44 MB to 1.4 GB).
func TestReadFrameMemoryFollowsArrivedBytes(t *testing.T) {
	announced := MeshFrameBytesMax
	prefix := binary.AppendUvarint(nil, uint64(announced))
	const arrived = FrameChunkBytes + 100<<10
	in := io.MultiReader(bytes.NewReader(prefix), bytes.NewReader(make([]byte, arrived)))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadFrame(in, MeshFrameBytesMax)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err %v, want unexpected EOF", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3*arrived {
		t.Fatalf("allocated %d bytes for %d that arrived of %d announced", alloc, arrived, announced)
	}
	// A whole large frame arriving in small reads still comes out intact.
	want := bytes.Repeat([]byte("0123456789"), 300_000)
	var full bytes.Buffer
	WriteFrame(&full, want)
	got, err := ReadFrame(iotest.HalfReader(&full), MeshFrameBytesMax)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("large frame: %d bytes, err %v", len(got), err)
	}
}

// A replica has at most one inbound mesh stream: a second replaces the first, so one key cannot hold many
// reader goroutines and frame buffers at an honest replica.
func TestOneInboundMeshStreamPerReplica(t *testing.T) {
	th := newTestHosts(t, 2, false)
	// Connected before 0 dials 1 for its own mesh: simultaneous dials can fail the first attempt.
	if err := th.hosts[1].h.Connect(context.Background(), peer.AddrInfo{ID: th.infos[0].ID, Addrs: th.infos[0].Addrs}); err != nil {
		t.Fatal(err)
	}
	box := newInbox()
	th.hosts[0].StartMesh(box.handler)
	open := func() network.Stream {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := th.hosts[1].h.NewStream(ctx, th.infos[0].ID, ProtocolID("test", proto.MeshProtocol))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	first := open()
	if err := WriteFrame(first, []byte("one")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "frame on the first stream", box, func() {}, func() bool { return box.has("1:one") })
	// Announce a frame at the cap and trickle a few bytes of it.
	first.Write(append(binary.AppendUvarint(nil, uint64(MeshFrameBytesMax)), "slow"...))
	second := open()
	if err := WriteFrame(second, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "frame on the second stream", box, func() {}, func() bool { return box.has("1:hello") })
	first.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := first.Read(make([]byte, 1)); !errors.Is(err, network.ErrReset) {
		t.Fatalf("the first stream still open after a second one came: %v", err)
	}
	second.Reset()
}

// A listen address that cannot be bound stops the host with an error naming it; before, libp2p started on the
// addresses that did bind (a replica whose TCP port was taken ran on QUIC only and said nothing).
func TestTakenListenAddressIsRefused(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	tcpAddr := multiaddr.StringCast(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", taken.Addr().(*net.TCPAddr).Port))
	quicAddr := multiaddr.StringCast(fmt.Sprintf("/ip4/127.0.0.1/udp/%d/quic-v1", freePort(t)))
	k, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	id, _ := peer.IDFromPrivateKey(k)
	infos := []peer.AddrInfo{{ID: id, Addrs: []multiaddr.Multiaddr{tcpAddr}}}
	h, err := New(Config{ChainID: "test", Key: k, ListenAddrs: []multiaddr.Multiaddr{tcpAddr, quicAddr}, Replicas: infos})
	if err == nil {
		h.Close()
		t.Fatal("the host started although its TCP port is taken")
	}
	if !errors.Is(err, ErrListen) || !strings.Contains(err.Error(), tcpAddr.String()) {
		t.Fatalf("err %v, want ErrListen naming %s", err, tcpAddr)
	}
	// Port 0 is not a mismatch: the host reports the port it chose.
	h, err = New(Config{ChainID: "test", Key: k, ListenAddrs: []multiaddr.Multiaddr{multiaddr.StringCast("/ip4/127.0.0.1/tcp/0")}, Replicas: infos})
	if err != nil {
		t.Fatalf("port 0: %v", err)
	}
	h.Close()
}

// A peer that causes a refusal per stream gets one log line per LogSampleInterval, not one per stream (found:
// 20,000 refused streams wrote 19,484 lines in 2.3 s).
func TestPeerCausedEventsAreLoggedSampled(t *testing.T) {
	var out bytes.Buffer
	l := newSampledLog(slog.New(slog.NewTextHandler(&out, nil)))
	now := time.Unix(0, 0)
	l.now = func() time.Time { return now }
	for i := 0; i < 20_000; i++ {
		l.Warn("not_replica", "rejected stream", "n", i)
		now = now.Add(100 * time.Microsecond) // 2 s in all
	}
	l.Warn("client_limit", "refused a client connection")
	now = now.Add(LogSampleInterval)
	l.Warn("not_replica", "rejected stream")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], "similar_not_logged=19999") {
		t.Fatalf("%d lines, want 3 (one per kind, then one with the count held back):\n%s", len(lines), out.String())
	}
}

// Reading consensus frames of typical sizes (a vote; a batch of 2,000 requests; a batch at the cap), from a
// buffered stream as the mesh does.
func BenchmarkReadFrame(b *testing.B) {
	for _, size := range []int{200, 300 << 10, 8 << 20} {
		var buf bytes.Buffer
		WriteFrame(&buf, make([]byte, size))
		raw := buf.Bytes()
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(size))
			r := bytes.NewReader(raw)
			br := bufio.NewReaderSize(r, MeshBufferBytes)
			for i := 0; i < b.N; i++ {
				r.Reset(raw)
				br.Reset(r)
				if _, err := ReadFrame(br, MeshFrameBytesMax); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A peer gets at most SessionsPerPeerMax sessions served at once: each holds a goroutine and a send queue.
func TestSessionsPerPeerAreBounded(t *testing.T) {
	th := newTestHosts(t, 1, false)
	th.hosts[0].HandleSession("sess", 100, ServedSessionQueueFramesMax, false, func(s Session) {
		for {
			f, err := s.Recv()
			if err != nil {
				return
			}
			s.Send(f)
		}
	})
	out := th.outsider()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	echo := func(ss Session) error {
		if err := ss.Send([]byte("ping")); err != nil {
			return err
		}
		_, err := ss.Recv()
		return err
	}
	var open []Session
	for k := 0; k <= SessionsPerPeerMax; k++ {
		ss, err := out.OpenSession(ctx, th.infos[0].ID, "sess", 100, 16)
		if err != nil {
			t.Fatal(err)
		}
		defer ss.Close()
		err = echo(ss)
		if k < SessionsPerPeerMax && err != nil {
			t.Fatalf("session %d of %d refused: %v", k+1, SessionsPerPeerMax, err)
		}
		if k == SessionsPerPeerMax && err == nil {
			t.Fatalf("session %d served, the bound is %d", k+1, SessionsPerPeerMax)
		}
		open = append(open, ss)
	}
	// One closed: a new one is served again.
	open[0].Close()
	eventually(t, "a freed session slot", newInbox(), func() {}, func() bool {
		ss, err := out.OpenSession(ctx, th.infos[0].ID, "sess", 100, 16)
		if err != nil {
			return false
		}
		defer ss.Close()
		return echo(ss) == nil
	})
}

// Two processes with one replica key: each opens consensus streams to the others with its own instance ID, and
// each learns of the other by asking them.
func TestTwoProcessesOfOneKeyFindEachOther(t *testing.T) {
	th := newTestHosts(t, 2, false)
	for _, h := range th.hosts {
		h.StartMesh(func(uint32, []byte) {})
	}
	dupAddr := multiaddr.StringCast(fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", freePort(t)))
	dup, err := New(Config{ChainID: "test", Key: th.keys[1], ListenAddrs: []multiaddr.Multiaddr{dupAddr}, Replicas: th.infos})
	if err != nil {
		t.Fatal(err)
	}
	defer dup.Close()
	dup.StartMesh(func(uint32, []byte) {})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	found := func(h *Host, other proto.InstanceID) func() bool {
		return func() bool {
			h.Send(0, []byte("tick")) // keeps its stream to 0 busy, so a replaced one is reopened
			ids, err := h.OtherInstances(ctx, th.infos[0].ID, time.Minute)
			return err == nil && slices.Contains(ids, other)
		}
	}
	eventually(t, "the first process sees the second", newInbox(), func() {}, found(th.hosts[1], dup.Instance()))
	eventually(t, "the second process sees the first", newInbox(), func() {}, found(dup, th.hosts[1].Instance()))
	// A replica with no other process sees none.
	if ids, err := th.hosts[0].OtherInstances(ctx, th.infos[1].ID, time.Minute); err != nil || len(ids) != 0 {
		t.Fatalf("replica 0 sees other instances of itself: %v %v", ids, err)
	}
}
