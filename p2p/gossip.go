package p2p

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/sbftnet/sbft/wire/proto"
)

// Gossip is the chain's gossipsub router. Replicas are each other's direct peers (always forwarded to);
// other peers (clients, observers) may subscribe. Every topic has a validator: messages that are not from a
// replica, malformed or badly signed are rejected, which lowers the sender's peer score until gossipsub
// stops talking to it.
type Gossip struct {
	hs     *Host
	ps     *pubsub.PubSub
	mu     sync.Mutex
	scores map[peer.ID]float64
	topics []*Topic
	// Validation verdicts, for the status endpoint.
	Accepted, Rejected, Ignored atomic.Uint64
}

// Topic is one joined topic with its subscription.
type Topic struct {
	g      *Gossip
	t      *pubsub.Topic
	sub    *pubsub.Subscription
	cancel context.CancelFunc
	done   chan struct{}
}

// GossipValidator judges a message signed by publisher `from`: pubsub.ValidationAccept, Reject (invalid:
// the forwarding peer is penalized) or Ignore (stale or duplicate: dropped without penalty).
type GossipValidator func(from peer.ID, data []byte) pubsub.ValidationResult

// TopicName is the gossipsub topic of name on chain chainID (proto.ProtocolID).
func TopicName(chainID, name string) string { return proto.ProtocolID(chainID, name) }

// StartGossip starts the gossipsub router on the host.
func (hs *Host) StartGossip() (*Gossip, error) {
	g := &Gossip{hs: hs, scores: map[peer.ID]float64{}}
	var direct []peer.AddrInfo
	for _, r := range hs.cfg.Replicas {
		if r.ID != hs.h.ID() {
			direct = append(direct, r)
		}
	}
	ps, err := pubsub.NewGossipSub(hs.ctx, hs.h,
		pubsub.WithMessageSignaturePolicy(pubsub.StrictSign),
		pubsub.WithMaxMessageSize(GossipMessageBytesMax),
		pubsub.WithDirectPeers(direct),
		pubsub.WithPeerScore(g.scoreParams(), &pubsub.PeerScoreThresholds{
			GossipThreshold: -10, PublishThreshold: -50, GraylistThreshold: -80,
			AcceptPXThreshold: 100, OpportunisticGraftThreshold: 5,
		}),
		pubsub.WithPeerScoreInspect(g.inspect, time.Second),
		pubsub.WithValidateQueueSize(GossipValidateQueueMax),
	)
	if err != nil {
		return nil, fmt.Errorf("gossipsub: %w", err)
	}
	g.ps = ps
	return g, nil
}

// scoreParams: replicas start with a bonus; invalid messages cost heavily (squared, slowly forgotten); colocation
// is not penalized (a local testnet runs every peer on one address).
func (g *Gossip) scoreParams() *pubsub.PeerScoreParams {
	topics := map[string]*pubsub.TopicScoreParams{}
	for _, name := range proto.GossipTopics {
		topics[TopicName(g.hs.cfg.ChainID, name)] = &pubsub.TopicScoreParams{
			SkipAtomicValidation:           true,
			TopicWeight:                    1,
			TimeInMeshWeight:               0.01,
			TimeInMeshQuantum:              time.Second,
			TimeInMeshCap:                  3600,
			FirstMessageDeliveriesWeight:   1,
			FirstMessageDeliveriesDecay:    0.9,
			FirstMessageDeliveriesCap:      10,
			InvalidMessageDeliveriesWeight: -10,
			InvalidMessageDeliveriesDecay:  0.99,
		}
	}
	return &pubsub.PeerScoreParams{
		SkipAtomicValidation: true,
		Topics:               topics,
		AppSpecificScore: func(p peer.ID) float64 {
			if g.hs.IsReplica(p) {
				return 10
			}
			return 0
		},
		AppSpecificWeight:      1,
		BehaviourPenaltyWeight: -1,
		BehaviourPenaltyDecay:  0.9,
		DecayInterval:          time.Second,
		DecayToZero:            0.01,
		RetainScore:            10 * time.Minute,
	}
}

func (g *Gossip) inspect(scores map[peer.ID]float64) {
	g.mu.Lock()
	g.scores = scores
	g.mu.Unlock()
	lowest := 0.0
	for _, s := range scores {
		lowest = min(lowest, s)
	}
	g.hs.metrics.gossipScore(lowest)
}

// PeerScores returns the latest gossipsub peer scores.
func (g *Gossip) PeerScores() map[peer.ID]float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[peer.ID]float64, len(g.scores))
	for p, s := range g.scores {
		out[p] = s
	}
	return out
}

// Join subscribes to topic name with validate; deliver gets every valid message from another peer, in order,
// on one goroutine.
func (g *Gossip) Join(name string, validate GossipValidator, deliver func(from peer.ID, data []byte)) (*Topic, error) {
	full := TopicName(g.hs.cfg.ChainID, name)
	err := g.ps.RegisterTopicValidator(full, func(_ context.Context, _ peer.ID, m *pubsub.Message) pubsub.ValidationResult {
		from := m.GetFrom()
		res := validate(from, m.Data)
		g.hs.metrics.gossipValidated(name, res)
		switch res {
		case pubsub.ValidationAccept:
			g.Accepted.Add(1)
		case pubsub.ValidationReject:
			g.Rejected.Add(1)
		default:
			g.Ignored.Add(1)
		}
		if res == pubsub.ValidationReject {
			g.hs.log.Debug("gossip message rejected", "topic", name, "publisher", from, "via", m.ReceivedFrom)
		}
		return res
	}, pubsub.WithValidatorTimeout(GossipValidateTimeout))
	if err != nil {
		return nil, fmt.Errorf("validator for %s: %w", full, err)
	}
	t, err := g.ps.Join(full)
	if err != nil {
		return nil, fmt.Errorf("join %s: %w", full, err)
	}
	sub, err := t.Subscribe()
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("subscribe %s: %w", full, err)
	}
	ctx, cancel := context.WithCancel(g.hs.ctx)
	tp := &Topic{g: g, t: t, sub: sub, cancel: cancel, done: make(chan struct{})}
	go tp.loop(ctx, deliver)
	g.mu.Lock()
	g.topics = append(g.topics, tp)
	g.mu.Unlock()
	return tp, nil
}

func (tp *Topic) loop(ctx context.Context, deliver func(peer.ID, []byte)) {
	defer close(tp.done)
	self := tp.g.hs.h.ID()
	for {
		m, err := tp.sub.Next(ctx)
		if err != nil {
			return // cancelled or closed
		}
		if m.ReceivedFrom == self || m.GetFrom() == self {
			continue
		}
		deliver(m.GetFrom(), m.Data)
	}
}

// Publish sends data on the topic (signed by this host's key).
func (tp *Topic) Publish(ctx context.Context, data []byte) error {
	if err := tp.t.Publish(ctx, data); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}

// Close leaves the topic and waits for its delivery goroutine.
func (tp *Topic) Close() {
	tp.cancel()
	tp.sub.Cancel()
	<-tp.done
	tp.t.Close()
}

// Close leaves every topic. The router itself stops with the host.
func (g *Gossip) Close() {
	g.mu.Lock()
	topics := g.topics
	g.topics = nil
	g.mu.Unlock()
	for _, tp := range topics {
		tp.Close()
	}
}
