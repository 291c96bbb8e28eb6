package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/p2p/security/noise"

	"github.com/sbftnet/sbft/genesis"
	"github.com/sbftnet/sbft/node"
	"github.com/sbftnet/sbft/p2p"
	"github.com/sbftnet/sbft/replica"
	"github.com/sbftnet/sbft/wire"
	"github.com/sbftnet/sbft/wire/proto"
)

// The duplicate-key alarm, against a byzantine replica and a real copy. Replica 3's place is taken by a liar
// (its key, its address) that tells every replica another process of their key talks to it: no honest replica
// believes one report. A copied home of replica 0 started elsewhere is found by both processes (the honest
// replicas 1 and 2 saw it: f+1 reports) and they say so; once the copy stops, replica 0's alarm clears within
// the fixed window (before: one liar made every replica unhealthy, and a stopped copy counted forever).
func TestDuplicateKeyAlarm(t *testing.T) {
	tn := newTestnet(t, 4)
	for i := 0; i < 3; i++ {
		tn.start(i)
	}
	lies := startInstanceLiar(t, tn, 3)
	waitFor(t, "replica 0 asked the liar twice", func() bool { return lies.Load() >= 6 }) // 3 replicas, 2 rounds each
	if s, err := tn.status(0); err != nil || s.DuplicateIdentity {
		t.Fatalf("one lying replica raised the alarm: %+v %v", s, err)
	}

	dup, cmd := startCopy(t, tn, 0)
	tn.waitStatusFor(0, func(s *replica.Status) bool { return s.DuplicateIdentity && !s.Healthy }, "replica 0 reports the copy", 90*time.Second)
	for _, home := range []string{tn.home(0), dup} {
		waitFor(t, home+": the log says another process uses the key", func() bool {
			log, _ := os.ReadFile(filepath.Join(home, "replica.log"))
			return strings.Contains(string(log), "ANOTHER PROCESS USES THIS REPLICA'S KEY")
		})
	}
	cmd.Process.Kill()
	cmd.Wait()
	stopped := time.Now()
	tn.waitStatusFor(0, func(s *replica.Status) bool { return !s.DuplicateIdentity }, "the alarm clears once the copy stopped",
		node.InstanceSeenWindow+4*node.InstanceCheckInterval)
	t.Logf("alarm cleared %v after the copy stopped (window %v)", time.Since(stopped).Round(time.Second), node.InstanceSeenWindow)
}

// startInstanceLiar listens as replica i (its key and address) and answers every instances request with a
// made-up process of the asker's key, seen just now; it counts the requests it answered.
func startInstanceLiar(t *testing.T, tn *testnet, i int) *atomic.Int64 {
	t.Helper()
	k, err := genesis.LoadKey(filepath.Join(tn.home(i), "key.json"))
	if err != nil {
		t.Fatal(err)
	}
	lk, _ := genesis.LibP2PKey(k)
	h, err := libp2p.New(libp2p.ListenAddrStrings(tn.g.Replicas[i].Multiaddrs...), libp2p.Security(noise.ID, noise.New),
		libp2p.DisableRelay(), libp2p.Identity(lk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	var answered atomic.Int64
	made := wire.InstanceID{0xde, 0xad}
	h.SetStreamHandler(p2p.ProtocolID(tn.g.ChainID, wire.InstancesProtocol), func(s network.Stream) {
		defer s.Close()
		s.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := p2p.ReadFrame(s, 64); err != nil {
			s.Reset()
			return
		}
		body := proto.EncodeInstances([]proto.InstanceSeen{{ID: made, Age: 0}})
		p2p.WriteFrame(s, append([]byte{0}, body...)) // status OK, then the lie
		answered.Add(1)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for j := 0; j < i; j++ {
		h.Connect(ctx, tn.addrInfo(j)) // so that the replicas find it at once
	}
	return &answered
}

// startCopy starts a copy of replica i's home (same key, other ports) and returns its home and process.
func startCopy(t *testing.T, tn *testnet, i int) (string, *exec.Cmd) {
	t.Helper()
	dup := filepath.Join(tn.dir, fmt.Sprintf("replica-%d-copy", i))
	os.MkdirAll(dup, 0o755)
	key, _ := os.ReadFile(filepath.Join(tn.home(i), "key.json"))
	os.WriteFile(filepath.Join(dup, "key.json"), key, 0o600)
	cfg, _ := os.ReadFile(filepath.Join(tn.home(i), node.ConfigFileName))
	base := freeBase(t, 1)
	text := string(cfg)
	for k := 0; k < 3; k++ {
		text = strings.ReplaceAll(text, fmt.Sprint(tn.base+10*i+k), fmt.Sprint(base+k))
	}
	os.WriteFile(filepath.Join(dup, node.ConfigFileName), []byte(text), 0o644)
	logf, _ := os.Create(filepath.Join(dup, "replica.log"))
	cmd := exec.Command(sbftBin, "start", "--home", dup)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logf.Close()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return dup, cmd
}
