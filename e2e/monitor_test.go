//go:build docker

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// promAPI gets a Prometheus HTTP API path (/api/v1/...) and decodes its data into v; an error status or an
// error answer is an error.
func promAPI(promURL, path string, v any) error {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(strings.TrimSuffix(promURL, "/") + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("%s: %s: %v", path, resp.Status, err)
	}
	if r.Status != "success" {
		return fmt.Errorf("%s: %s: %s: %s", path, resp.Status, r.ErrorType, r.Error)
	}
	return json.Unmarshal(r.Data, v)
}

// promSample is one series of an instant query's answer.
type promSample struct {
	Metric map[string]string
	Value  string // as Prometheus writes it: "NaN", "+Inf", "12.5"
}

// promQuery runs an instant query (GET /api/v1/query) and returns its samples (a scalar: one, no labels).
func promQuery(promURL, query string) ([]promSample, error) {
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := promAPI(promURL, "/api/v1/query?query="+url.QueryEscape(query), &data); err != nil {
		return nil, err
	}
	var out []promSample
	switch data.ResultType {
	case "vector":
		var vec []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		if err := json.Unmarshal(data.Result, &vec); err != nil {
			return nil, err
		}
		for _, s := range vec {
			out = append(out, promSample{Metric: s.Metric, Value: fmt.Sprint(s.Value[1])})
		}
	case "scalar":
		var sc [2]any
		if err := json.Unmarshal(data.Result, &sc); err != nil {
			return nil, err
		}
		out = append(out, promSample{Value: fmt.Sprint(sc[1])})
	default:
		return nil, fmt.Errorf("result type %q: want an instant vector", data.ResultType)
	}
	return out, nil
}

// checkDashboard runs every query of every panel of the Grafana dashboard at dashboardPath against the
// Prometheus at promURL, the chain variable set to chainID and Grafana's interval variables to 1m, and fails
// naming the panel when a query errors, or answers only empty or NaN results (retried until 30 s after the
// check began: a rate needs two scrapes in its window, a quantile observations; call it while a workload
// runs, or within a minute of one). The chain_id variable's own query (label values of sbft_build_info) must
// list chainID.
func checkDashboard(t *testing.T, promURL, dashboardPath string, chainID string) {
	t.Helper()
	d := loadDashboard(t, dashboardPath)
	var chains []string
	// As Grafana asks it: over the dashboard's time range (here the last hour).
	now := time.Now()
	q := url.Values{"match[]": {"sbft_build_info"}, "start": {fmt.Sprint(now.Add(-time.Hour).Unix())}, "end": {fmt.Sprint(now.Unix())}}
	if err := promAPI(promURL, "/api/v1/label/chain_id/values?"+q.Encode(), &chains); err != nil {
		t.Errorf("variable chain_id: %v", err)
	} else if !slices.Contains(chains, chainID) {
		t.Errorf("variable chain_id: label_values(sbft_build_info, chain_id) = %v, want %q among them", chains, chainID)
	}
	queries := d.queries()
	deadline := time.Now().Add(30 * time.Second) // one for all: a wrong metric name fails in 30 s, not 30 s a query
	for _, q := range queries {
		expr := expandQuery(q.expr, chainID)
		for {
			samples, err := promQuery(promURL, expr)
			if err != nil {
				t.Errorf("panel %q %s: query %s: %v", q.panel, q.refID, expr, err)
				break
			}
			var values []string
			data := false
			for _, s := range samples {
				values = append(values, fmt.Sprintf("%s=%s", s.Metric["instance"], s.Value))
				data = data || s.Value != "NaN"
			}
			if data {
				t.Logf("panel %q %s: %d series: %s", q.panel, q.refID, len(samples), strings.Join(values, " "))
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("panel %q %s: no data (%d series, none but NaN: %v): %s", q.panel, q.refID, len(samples), values, expr)
				break
			}
			time.Sleep(2 * time.Second) // the scrape interval of monitoring/prometheus.yml
		}
	}
	t.Logf("ran %d queries of the dashboard against %s", len(queries), promURL)
}

// waitPrometheusTargetsUp polls the Prometheus at promURL (GET /api/v1/targets) until at least n of its
// targets are up, and fails listing them after 2 minutes.
func waitPrometheusTargetsUp(t *testing.T, promURL string, n int) {
	t.Helper()
	type target struct {
		Labels    map[string]string `json:"labels"`
		ScrapeURL string            `json:"scrapeUrl"`
		Health    string            `json:"health"`
		LastError string            `json:"lastError"`
	}
	deadline := time.Now().Add(2 * time.Minute)
	var last []target
	var lastErr error
	for time.Now().Before(deadline) {
		var data struct {
			ActiveTargets []target `json:"activeTargets"`
		}
		if lastErr = promAPI(promURL, "/api/v1/targets?state=active", &data); lastErr == nil {
			last = data.ActiveTargets
			up := 0
			for _, tg := range last {
				if tg.Health == "up" {
					up++
				}
			}
			if up >= n {
				t.Logf("prometheus %s: %d targets up", promURL, up)
				return
			}
		}
		time.Sleep(time.Second) // polling a container
	}
	for _, tg := range last {
		t.Logf("target %s (job %s): %s %s", tg.ScrapeURL, tg.Labels["job"], tg.Health, tg.LastError)
	}
	t.Fatalf("prometheus %s: fewer than %d targets up after 2 minutes (last error: %v)", promURL, n, lastErr)
}
