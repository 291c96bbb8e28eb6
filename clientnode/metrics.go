package clientnode

import "github.com/prometheus/client_golang/prometheus"

// nodeMetrics are a client node's.
type nodeMetrics struct {
	height, certifiedHeight, lag prometheus.Gauge
	applied, refused, dropped    prometheus.Counter
	reads                        *prometheus.CounterVec
}

func newNodeMetrics(reg prometheus.Registerer) *nodeMetrics {
	g := func(name, help string) prometheus.Gauge {
		return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: "sbft", Subsystem: "follower", Name: name, Help: help})
	}
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "sbft", Subsystem: "follower", Name: name, Help: help})
	}
	m := &nodeMetrics{
		height:          g("height", "Height of the last block executed here."),
		certifiedHeight: g("certified_height", "Highest height executed here whose execution certificate this node holds (reads are answered there)."),
		lag:             g("lag_blocks", "Blocks behind the highest height the network is known to have."),
		applied:         c("blocks_applied_total", "Blocks verified, executed and stored."),
		refused:         c("blocks_refused_total", "Blocks refused: forged, out of order, or not proven by their certificate."),
		dropped:         c("sources_dropped_total", "Replicas dropped as block source for a bad block or for withholding."),
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "sbft", Subsystem: "follower", Name: "reads_total",
			Help: "Proven reads served, by outcome (proven, uncertified, bad_key)."}, []string{"outcome"}),
	}
	reg.MustRegister(m.height, m.certifiedHeight, m.lag, m.applied, m.refused, m.dropped, m.reads)
	return m
}
