package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sbftnet/sbft/clientnode"
)

// dashboardPath is the Grafana dashboard (monitoring/grafana), relative to this package.
const dashboardPath = "../monitoring/grafana/sbft-dashboard.json"

// grafanaDashboard is the part of a Grafana dashboard's JSON the tests read.
type grafanaDashboard struct {
	Inputs []struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		PluginID string `json:"pluginId"`
	} `json:"__inputs"`
	SchemaVersion int `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
	Panels []grafanaPanel `json:"panels"`
}

type grafanaPanel struct {
	ID         int                `json:"id"`
	Type       string             `json:"type"`
	Title      string             `json:"title"`
	Datasource *grafanaDatasource `json:"datasource"`
	Targets    []struct {
		RefID      string             `json:"refId"`
		Expr       string             `json:"expr"`
		Datasource *grafanaDatasource `json:"datasource"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"` // a collapsed row's
}

type grafanaDatasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// panelQuery is one target of one panel.
type panelQuery struct {
	panel, refID, expr string
}

func loadDashboard(t *testing.T, path string) *grafanaDashboard {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d grafanaDashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &d
}

// panels are the dashboard's panels, those of collapsed rows included, rows themselves excluded.
func (d *grafanaDashboard) panels() []grafanaPanel {
	var out []grafanaPanel
	var walk func([]grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			if p.Type != "row" {
				out = append(out, p)
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

func (d *grafanaDashboard) queries() []panelQuery {
	var out []panelQuery
	for _, p := range d.panels() {
		for _, tg := range p.Targets {
			out = append(out, panelQuery{panel: p.Title, refID: tg.RefID, expr: tg.Expr})
		}
	}
	return out
}

// expandQuery replaces Grafana's variables with concrete values: the chain, and for $__rate_interval and
// $__interval a 1 minute window (at least four scrapes at any interval up to 15 s, the rule Grafana's
// $__rate_interval follows; monitoring/prometheus.yml scrapes every 2 s).
func expandQuery(expr, chainID string) string {
	return strings.NewReplacer(
		"${chain_id}", chainID, "$chain_id", chainID,
		"${__rate_interval}", "1m", "$__rate_interval", "1m",
		"${__interval}", "1m", "$__interval", "1m",
	).Replace(expr)
}

// promSelector is one series selector of a query: a metric name and its label matchers.
type promSelector struct {
	name     string
	matchers []labelMatcher
}

type labelMatcher struct{ label, op, value string }

var (
	// The dashboard's metrics are sbft's: every sbft_ word in a query is a metric name.
	selectorRE = regexp.MustCompile(`\b(sbft_[A-Za-z0-9_]+)\s*(\{[^}]*\})?`)
	matcherRE  = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"`)
)

// selectors are the sbft series selectors of a query (metric names of label_values(...) included).
func selectors(expr string) []promSelector {
	var out []promSelector
	for _, m := range selectorRE.FindAllStringSubmatch(expr, -1) {
		s := promSelector{name: m[1]}
		for _, lm := range matcherRE.FindAllStringSubmatch(m[2], -1) {
			s.matchers = append(s.matchers, labelMatcher{label: lm[1], op: lm[2], value: lm[3]})
		}
		out = append(out, s)
	}
	return out
}

// The metrics the dashboard must show (the list: height, tx/s, latency, blocks, views, peers, sync,
// client node); a panel removed or renamed away fails here.
var dashboardMetrics = []string{
	"sbft_height", "sbft_txs_total", "sbft_commit_latency_seconds_bucket", "sbft_block_interval_seconds_bucket",
	"sbft_block_txs_bucket", "sbft_block_bytes_bucket", "sbft_view", "sbft_consensus_events_total",
	"sbft_p2p_peers", "sbft_p2p_connected_replicas", "sbft_syncing", "sbft_sync_fetched_blocks",
	"sbft_sync_total_blocks", "sbft_state_transfers_total", "sbft_follower_height", "sbft_follower_lag_blocks",
}

// The dashboard is importable and complete: a Prometheus datasource input, the chain_id variable, every panel
// with queries on that datasource, each selector of each filtered on the chain, and every metric of the list
// shown. (That the names exist and return data: TestDashboardMetricsExist and, against a real Prometheus,
// checkDashboard in the docker tests.)
func TestDashboardIsComplete(t *testing.T) {
	d := loadDashboard(t, dashboardPath)
	if d.SchemaVersion < 36 {
		t.Errorf("schemaVersion %d: want a current one (>= 36)", d.SchemaVersion)
	}
	if len(d.Inputs) != 1 || d.Inputs[0].Name != "DS_PROMETHEUS" || d.Inputs[0].PluginID != "prometheus" {
		t.Errorf("__inputs %+v: want one Prometheus datasource input DS_PROMETHEUS", d.Inputs)
	}
	chainVar := false
	for _, v := range d.Templating.List {
		if v.Name == "chain_id" && v.Type == "query" && v.Definition == "label_values(sbft_build_info, chain_id)" {
			chainVar = true
		}
	}
	if !chainVar {
		t.Error("no query variable chain_id = label_values(sbft_build_info, chain_id)")
	}
	panels := d.panels()
	if len(panels) == 0 {
		t.Fatal("no panels")
	}
	shown := map[string]bool{}
	ids := map[int]bool{}
	for _, p := range panels {
		if p.Title == "" {
			t.Errorf("panel %d has no title", p.ID)
		}
		if ids[p.ID] {
			t.Errorf("panel %q: id %d used twice", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.Datasource == nil || p.Datasource.UID != "${DS_PROMETHEUS}" {
			t.Errorf("panel %q: datasource %+v, want uid ${DS_PROMETHEUS}", p.Title, p.Datasource)
		}
		exprs := 0
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if refs[tg.RefID] || tg.RefID == "" {
				t.Errorf("panel %q: refId %q empty or used twice", p.Title, tg.RefID)
			}
			refs[tg.RefID] = true
			if tg.Datasource != nil && tg.Datasource.UID != "${DS_PROMETHEUS}" {
				t.Errorf("panel %q %s: datasource %+v, want uid ${DS_PROMETHEUS}", p.Title, tg.RefID, tg.Datasource)
			}
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("panel %q %s: empty expr", p.Title, tg.RefID)
				continue
			}
			exprs++
			if !balanced(tg.Expr) {
				t.Errorf("panel %q %s: unbalanced brackets in %s", p.Title, tg.RefID, tg.Expr)
			}
			sels := selectors(tg.Expr)
			if len(sels) == 0 {
				t.Errorf("panel %q %s: no sbft metric in %s", p.Title, tg.RefID, tg.Expr)
			}
			for _, s := range sels {
				shown[s.name] = true
				filtered := false
				for _, m := range s.matchers {
					filtered = filtered || (m.label == "chain_id" && m.op == "=" && m.value == "$chain_id")
				}
				if !filtered {
					t.Errorf("panel %q %s: %s not filtered on chain_id=\"$chain_id\"", p.Title, tg.RefID, s.name)
				}
			}
		}
		if exprs == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
	}
	for _, m := range dashboardMetrics {
		if !shown[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
}

func balanced(s string) bool {
	var stack []rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	inString := false
	for i, r := range s {
		switch {
		case r == '"' && (i == 0 || s[i-1] != '\\'):
			inString = !inString
		case inString:
		case r == '(' || r == '[' || r == '{':
			stack = append(stack, r)
		case pairs[r] != 0:
			if len(stack) == 0 || stack[len(stack)-1] != pairs[r] {
				return false
			}
			stack = stack[:len(stack)-1]
		}
	}
	return len(stack) == 0 && !inString
}

// exposedSeries reads a /metrics page (text format): one label set per series, __name__ included.
func exposedSeries(url string) ([]map[string]string, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	var out []map[string]string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := line
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name = line[:i]
		}
		labels := map[string]string{"__name__": name}
		if strings.HasPrefix(line[len(name):], "{") {
			j := strings.LastIndexByte(line, '}') // the sample's value and timestamp are numbers
			if j < len(name) {
				return nil, fmt.Errorf("%s: bad line %q", url, line)
			}
			for _, lm := range matcherRE.FindAllStringSubmatch(line[len(name)+1:j], -1) {
				labels[lm[1]] = lm[3]
			}
		}
		out = append(out, labels)
	}
	return out, sc.Err()
}

// matches tells whether a series (its labels) is one the selector selects; regexp matchers are not used by
// the dashboard and match anything here.
func (s promSelector) matches(series map[string]string) bool {
	if series["__name__"] != s.name {
		return false
	}
	for _, m := range s.matchers {
		switch m.op {
		case "=":
			if series[m.label] != m.value {
				return false
			}
		case "!=":
			if series[m.label] == m.value {
				return false
			}
		}
	}
	return true
}

// Every series the dashboard selects is one the code exposes: a 4-replica network and a client node run a
// short workload, and each selector of each panel (the chain variable set to the network's chain_id) must match
// a series of some replica's or the client node's /metrics. This is the registered metrics as served, with
// their labels (chain_id, event, kind), not a copied list of names.
func TestDashboardMetricsExist(t *testing.T) {
	d := loadDashboard(t, dashboardPath)
	tn := newTestnet(t, 4)
	tn.startAll()
	home, _ := newFollowerHome(t, tn)
	fo := tn.startFollower(home, freePort(t))
	ctx := ctxT(t, 2*time.Minute)
	putKeys(t, ctx, tn.client(0), "dash", 100)
	fo.waitStatus(func(s *clientnode.Status) bool { return s.Height >= 1 }, "a block", time.Minute)

	var all []map[string]string
	urls := []string{"http://" + fo.http + "/metrics"}
	for i := 0; i < tn.n; i++ {
		urls = append(urls, "http://"+tn.httpAddr(i)+"/metrics")
	}
	for _, u := range urls {
		series, err := exposedSeries(u)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, series...)
	}
	checked := 0
	for _, q := range d.queries() {
		for _, s := range selectors(expandQuery(q.expr, tn.g.ChainID)) {
			found := false
			for _, series := range all {
				if s.matches(series) {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("panel %q %s: no exposed series matches %s %v", q.panel, q.refID, s.name, s.matchers)
			}
			checked++
		}
	}
	t.Logf("%d selectors of %d queries checked against %d series of %d endpoints", checked, len(d.queries()), len(all), len(urls))
}
