package buildinfo

import (
	"github.com/prometheus/client_golang/prometheus"
)

// NewRegistry is a process's metrics registry: Go and process collectors, and sbft_build_info. The returned
// Registerer labels every metric registered through it with the network's chain_id.
func NewRegistry(chainID string) (*prometheus.Registry, prometheus.Registerer) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	labelled := prometheus.WrapRegistererWith(prometheus.Labels{"chain_id": chainID}, reg)
	bi := Get()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "sbft_build_info", Help: "The running build; always 1.",
		ConstLabels: prometheus.Labels{"version": bi.Version, "commit": bi.Commit, "go_version": bi.GoVersion}})
	g.Set(1)
	labelled.MustRegister(g)
	return reg, labelled
}
