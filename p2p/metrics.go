package p2p

import (
	"strconv"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics of the p2p layer; a nil *metrics records nothing.
type metrics struct {
	sent, received, dropped *prometheus.CounterVec
	rejectedStreams         *prometheus.CounterVec
	gossip                  *prometheus.CounterVec
	gossipLowest            prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, hs *Host) *metrics {
	if reg == nil {
		return nil
	}
	vec := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sbft", Subsystem: "p2p", Name: name, Help: help}, labels)
	}
	m := &metrics{
		sent:            vec("frames_sent_total", "Consensus frames written, by replica.", "peer"),
		received:        vec("frames_received_total", "Consensus frames read, by replica.", "peer"),
		dropped:         vec("frames_dropped_total", "Consensus frames dropped because the peer's queue was full.", "peer"),
		rejectedStreams: vec("rejected_total", "Streams and connections refused, by reason.", "reason"),
	}
	m.gossip = vec("gossip_messages_total", "Gossip messages validated, by topic and result.", "topic", "result")
	m.gossipLowest = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "sbft", Subsystem: "p2p", Name: "gossip_lowest_peer_score",
		Help: "The lowest gossipsub peer score (negative: a peer sent invalid messages)."})
	connected := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "sbft", Subsystem: "p2p", Name: "connected_replicas",
		Help: "Other replicas with a live connection."}, func() float64 { return float64(hs.ConnectedReplicas()) })
	reg.MustRegister(m.sent, m.received, m.dropped, m.rejectedStreams, connected, m.gossip, m.gossipLowest, peersCollector{hs}, answersCollector{hs})
	return m
}

// peersCollector counts the connected peers by kind at scrape time: other replicas, and everyone else
// (clients, client nodes).
type peersCollector struct{ hs *Host }

var peersDesc = prometheus.NewDesc("sbft_p2p_peers", "Connected peers, by kind (replica: other replicas of the genesis; other: clients and client nodes).",
	[]string{"kind"}, nil)

func (peersCollector) Describe(ch chan<- *prometheus.Desc) { ch <- peersDesc }

func (c peersCollector) Collect(ch chan<- prometheus.Metric) {
	replicas, other := c.hs.peerCounts()
	ch <- prometheus.MustNewConstMetric(peersDesc, prometheus.GaugeValue, float64(replicas), "replica")
	ch <- prometheus.MustNewConstMetric(peersDesc, prometheus.GaugeValue, float64(other), "other")
}

// answersCollector reports the answer budget held, by kind of peer, at scrape time.
type answersCollector struct{ hs *Host }

var answersDesc = prometheus.NewDesc("sbft_p2p_answer_bytes", "Bytes of answers built for peers and not yet written, by kind of peer (the answer budget held).",
	[]string{"kind"}, nil)

func (answersCollector) Describe(ch chan<- *prometheus.Desc) { ch <- answersDesc }

func (c answersCollector) Collect(ch chan<- prometheus.Metric) {
	for k := PeerKind(0); k < kinds; k++ {
		ch <- prometheus.MustNewConstMetric(answersDesc, prometheus.GaugeValue, float64(c.hs.AnswerBytesHeld(k)), k.String())
	}
}

func (m *metrics) frame(vec func(*metrics) *prometheus.CounterVec, peer uint32) {
	if m != nil {
		vec(m).WithLabelValues(strconv.FormatUint(uint64(peer), 10)).Inc()
	}
}

func (m *metrics) rejected(reason string) {
	if m != nil {
		m.rejectedStreams.WithLabelValues(reason).Inc()
	}
}

func (m *metrics) gossipValidated(topic string, res pubsub.ValidationResult) {
	if m != nil {
		m.gossip.WithLabelValues(topic, validationNames[res]).Inc()
	}
}

func (m *metrics) gossipScore(lowest float64) {
	if m != nil {
		m.gossipLowest.Set(lowest)
	}
}

var validationNames = map[pubsub.ValidationResult]string{pubsub.ValidationAccept: "accepted",
	pubsub.ValidationReject: "rejected", pubsub.ValidationIgnore: "ignored"}

func sentVec(m *metrics) *prometheus.CounterVec     { return m.sent }
func receivedVec(m *metrics) *prometheus.CounterVec { return m.received }
func droppedVec(m *metrics) *prometheus.CounterVec  { return m.dropped }
