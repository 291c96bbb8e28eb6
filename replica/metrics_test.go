package replica

import (
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sbftnet/sbft/buildinfo"
	"github.com/sbftnet/sbft/consensus"
)

// scrape serves reg as GET /metrics does and parses the answer with Prometheus's own text parser.
func scrape(t *testing.T, reg *prometheus.Registry) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, rec.Body.String())
	}
	return fams
}

// What monitoring relies on: counters typed as counters, the block and latency histograms, one consensus
// event series per core counter, a chain_id label on every sbft metric, and the build.
func TestMetricsParseAsPrometheusExpects(t *testing.T) {
	reg, labelled := buildinfo.NewRegistry("chain-x")
	m := NewMetrics(labelled)
	m.observeStatus(consensus.Status{Counters: consensus.Counters{ViewChanges: 2, CommitsFast: 7}})
	at := time.Unix(100, 0)
	m.observeBlocks([]consensus.CommittedBatch{{Requests: [][]byte{make([]byte, 1000)}}}, at)
	m.observeBlocks([]consensus.CommittedBatch{{Requests: make([][]byte, 9)}, {Requests: make([][]byte, 20)}}, at.Add(50*time.Millisecond))
	m.observeCommit(30 * time.Millisecond)
	fams := scrape(t, reg)

	for name, fam := range fams {
		if strings.HasSuffix(name, "_total") && fam.GetType() != dto.MetricType_COUNTER {
			t.Errorf("%s is a %v, want a counter", name, fam.GetType())
		}
		if !strings.HasPrefix(name, "sbft_") {
			continue
		}
		for _, metric := range fam.GetMetric() {
			if label(metric, "chain_id") != "chain-x" {
				t.Errorf("%s has no chain_id label: %v", name, metric.GetLabel())
			}
		}
	}
	events := fams["sbft_consensus_events_total"]
	if events == nil || len(events.GetMetric()) != reflect.TypeOf(consensus.Counters{}).NumField() {
		t.Fatalf("sbft_consensus_events_total: %v series, want one per core counter", events)
	}
	for _, metric := range events.GetMetric() {
		if label(metric, "event") == "view_changes" && metric.GetCounter().GetValue() != 2 {
			t.Errorf("view_changes = %v, want 2", metric.GetCounter().GetValue())
		}
	}
	for name, count := range map[string]uint64{"sbft_block_txs": 3, "sbft_block_bytes": 3, "sbft_block_interval_seconds": 2, "sbft_commit_latency_seconds": 1} {
		fam := fams[name]
		if fam == nil || fam.GetType() != dto.MetricType_HISTOGRAM || fam.GetMetric()[0].GetHistogram().GetSampleCount() != count {
			t.Errorf("%s: %v, want a histogram of %d samples", name, fam, count)
		}
	}
	if got := fams["sbft_block_txs"].GetMetric()[0].GetHistogram().GetSampleSum(); got != 30 {
		t.Errorf("sbft_block_txs sum %v, want 30", got)
	}
	// Two blocks executed together 50 ms after the last: two intervals of 25 ms, not one of 50 and one of 0.
	if got := fams["sbft_block_interval_seconds"].GetMetric()[0].GetHistogram().GetSampleSum(); got < 0.0499 || got > 0.0501 {
		t.Errorf("sbft_block_interval_seconds sum %v, want 0.05", got)
	}
	if got := fams["sbft_block_bytes"].GetMetric()[0].GetHistogram().GetSampleSum(); got != 1000 {
		t.Errorf("sbft_block_bytes sum %v, want 1000", got)
	}
	build := fams["sbft_build_info"]
	if build == nil || label(build.GetMetric()[0], "version") == "" || label(build.GetMetric()[0], "go_version") == "" {
		t.Errorf("sbft_build_info: %v", build)
	}
	if fams["go_goroutines"] == nil || fams["process_cpu_seconds_total"] == nil {
		t.Error("the Go runtime's and the process's metrics are missing")
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
