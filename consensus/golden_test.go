package consensus

// Golden traces: protocol scenarios as transcripts, in the style of etcd raft's interaction tests.
//
// Each file in testdata/*.txt is a sequence of commands, each followed by "----" and the output it produced
// (ending at a blank line). Lines starting with '#' and blank lines between commands are kept as they are.
// `go test ./consensus -run TestGoldenTraces -update` rewrites the expected outputs.
//
// Commands (i is a replica index, or "all"):
//
//	init n=4 f=1 [c=0] [batch=10] [inflight=8] [checkpoint=150] [status=10] [retransmit=20] [slowpath=15]
//	     [viewchange=200]                        build the cluster (fresh cores, the harness's signers)
//	propose i req...                             client requests to replica i (or all up replicas)
//	tick i [k]                                   tick replica i (or all up replicas, in index order) k times
//	deliver [k]                                  deliver the first k in-flight messages (default: all, until
//	                                             quiet), oldest first; each prints as from->to and the Ready
//	                                             of its recipient
//	inflight                                     list the in-flight messages
//	drop from->to [Type]                         drop matching in-flight messages (* matches any replica)
//	crash i                                      replica i stops; in-flight messages to and from it are lost
//	restart i                                    rebuild replica i's core from what it persisted
//	status i                                     a replica's view, executed, stable checkpoint, log size
//	                                             ("all": every replica, down ones too)
//	log i                                        the records replica i has persisted
//
// Rendering: a digest is its first two bytes in hex ("-" if zero), a request is its text, a certificate is
// kind{signers}, and "*" as a destination is a broadcast. A Ready prints in the order the node handles it:
// hard state, stable checkpoint, records, prune, sends (forwarded requests, messages, checkpoint shares),
// crypto requests, committed batches; not the soft state. When one event produces several Readys (the node
// answered a combine request, or executed a checkpoint), later ones start with "+ ready".

import (
	"bufio"
	"cmp"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the expected output of the golden traces in testdata")

func TestGoldenTraces(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden traces in testdata")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) { runGoldenFile(t, file) })
	}
}

// goldenBlock is one command of a trace file with the lines before it and its expected output.
type goldenBlock struct {
	pre  []string // comments and blank lines before the command
	line int      // the command's line number
	cmd  string
	want string
}

func parseGolden(t *testing.T, file string) (blocks []goldenBlock, tail []string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var pre []string
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			pre = append(pre, l)
			continue
		}
		b := goldenBlock{pre: pre, line: i + 1, cmd: strings.TrimSpace(l)}
		pre = nil
		if i+1 >= len(lines) || lines[i+1] != "----" {
			t.Fatalf("%s:%d: command %q not followed by ----", file, i+1, b.cmd)
		}
		i += 2
		var out []string
		for ; i < len(lines) && lines[i] != ""; i++ {
			out = append(out, lines[i])
		}
		b.want = strings.Join(out, "\n")
		blocks = append(blocks, b)
	}
	return blocks, pre
}

func runGoldenFile(t *testing.T, file string) {
	blocks, tail := parseGolden(t, file)
	g := &goldenEnv{t: t}
	var rewritten strings.Builder
	for _, b := range blocks {
		got := strings.TrimRight(g.run(file, b), "\n")
		if got == "" {
			got = "ok"
		}
		for _, l := range b.pre {
			rewritten.WriteString(l + "\n")
		}
		fmt.Fprintf(&rewritten, "%s\n----\n%s\n\n", b.cmd, got)
		if !*updateGolden && got != b.want {
			t.Errorf("%s:%d: %s\n%s", file, b.line, b.cmd, lineDiff(b.want, got))
		}
	}
	for _, l := range tail {
		rewritten.WriteString(l + "\n")
	}
	out := strings.TrimRight(rewritten.String(), "\n") + "\n"
	if *updateGolden {
		if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// lineDiff shows want and got from the first line where they differ (a few lines of context).
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	k := 0
	for k < len(w) && k < len(g) && w[k] == g[k] {
		k++
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "output differs from line %d of the expected output (-want +got, rerun with -update to accept):\n", k+1)
	for i := max(0, k-2); i < k; i++ {
		sb.WriteString("  " + w[i] + "\n")
	}
	for i := k; i < len(w) && i < k+8; i++ {
		sb.WriteString("- " + w[i] + "\n")
	}
	for i := k; i < len(g) && i < k+8; i++ {
		sb.WriteString("+ " + g[i] + "\n")
	}
	return sb.String()
}

// goldenEnv runs one trace file over the harness's cluster with deterministic (oldest first) delivery.
type goldenEnv struct {
	t       *testing.T
	cl      *cluster
	out     *strings.Builder
	header  string // printed before the first Ready of the current event, unless printed already
	printed bool
	readies int // Readys rendered for the current event
}

func (g *goldenEnv) run(file string, b goldenBlock) string {
	var sb strings.Builder
	g.out = &sb
	fields := strings.Fields(b.cmd)
	fail := func(format string, args ...any) string {
		g.t.Fatalf("%s:%d: %s: %s", file, b.line, b.cmd, fmt.Sprintf(format, args...))
		return ""
	}
	if fields[0] != "init" && g.cl == nil {
		return fail("no cluster: init first")
	}
	switch fields[0] {
	case "init":
		kv := map[string]int{"c": 0, "batch": 10, "inflight": 8, "checkpoint": CheckpointIntervalSeqsDefault,
			"status": 10, "retransmit": 20, "slowpath": 15, "viewchange": 200}
		for _, a := range fields[1:] {
			k, v, ok := strings.Cut(a, "=")
			n, err := strconv.Atoi(v)
			if !ok || err != nil {
				return fail("bad argument %q", a)
			}
			kv[k] = n
		}
		g.cl = newClusterC(g.t, kv["n"], kv["f"], kv["c"], 1)
		for i := range g.cl.reps {
			cfg := &g.cl.cfgs[i]
			cfg.BatchRequestsMax, cfg.InFlightSeqsMax, cfg.CheckpointIntervalSeqs = kv["batch"], kv["inflight"], kv["checkpoint"]
			cfg.StatusIntervalTicks, cfg.RetransmitTicks = kv["status"], kv["retransmit"]
			cfg.SlowPathTicks, cfg.ViewChangeTicks = kv["slowpath"], kv["viewchange"]
			c, err := New(*cfg, Restore{})
			if err != nil {
				return fail("%v", err)
			}
			g.cl.reps[i].core = c
		}
		g.cl.onReady = g.renderReady
	case "propose":
		if len(fields) < 3 {
			return fail("propose i req...")
		}
		for _, i := range g.targets(fields[1], fail) {
			g.event(fmt.Sprintf("propose %d", i), false)
			for _, q := range fields[2:] {
				if err := g.cl.reps[i].core.Propose(Request{Digest: RequestDigest([]byte(q)), Data: []byte(q)}); err != nil {
					fmt.Fprintf(g.out, "%d: propose %s: %v\n", i, q, err)
				}
			}
			g.cl.handle(i)
		}
	case "tick":
		k := 1
		if len(fields) > 2 {
			k = g.atoi(fields[2], fail)
		}
		ids := g.targets(fields[1], fail)
		for range k {
			for _, i := range ids {
				if g.cl.reps[i].down {
					continue
				}
				c := g.cl.reps[i].core
				c.Tick()
				g.event(fmt.Sprintf("tick %d: %d", i, c.tick), false)
				g.cl.handle(i)
			}
		}
	case "deliver":
		limit := 10_000
		if len(fields) > 1 {
			limit = g.atoi(fields[1], fail)
		}
		lost := 0
		for n := 0; n < limit && len(g.cl.inflight) > 0; n++ {
			if !g.deliverOne() {
				lost++
			}
		}
		if len(fields) == 1 && len(g.cl.inflight) > 0 {
			return fail("not quiet after %d deliveries", limit)
		}
		if lost > 0 {
			fmt.Fprintf(g.out, "(%d messages to or from down replicas lost)\n", lost)
		}
	case "inflight":
		for _, e := range g.cl.inflight {
			fmt.Fprintln(g.out, g.envelopeLine(e))
		}
	case "drop":
		if len(fields) < 2 {
			return fail("drop from->to [Type]")
		}
		from, to, ok := strings.Cut(fields[1], "->")
		if !ok {
			return fail("bad pattern %q", fields[1])
		}
		match := func(pat string, id ReplicaID) bool { return pat == "*" || pat == strconv.Itoa(int(id)) }
		kept := g.cl.inflight[:0]
		for _, e := range g.cl.inflight {
			m := g.decode(e)
			if match(from, e.from) && match(to, e.to) && (len(fields) < 3 || typeName(m.Type) == fields[2]) {
				fmt.Fprintf(g.out, "dropped %s\n", g.envelopeLine(e))
				continue
			}
			kept = append(kept, e)
		}
		g.cl.inflight = kept
	case "crash":
		i := g.atoi(fields[1], fail)
		g.cl.reps[i].down = true
		kept, lost := g.cl.inflight[:0], 0
		for _, e := range g.cl.inflight {
			if int(e.from) == i || int(e.to) == i {
				lost++
				continue
			}
			kept = append(kept, e)
		}
		g.cl.inflight = kept
		fmt.Fprintf(g.out, "%d crashed; %d in-flight messages lost\n", i, lost)
	case "restart":
		i := g.atoi(fields[1], fail)
		g.cl.restart(i)
		g.cl.reps[i].down = false
		fmt.Fprintf(g.out, "%d restarted: %s\n", i, g.statusLine(i))
		g.event(fmt.Sprintf("restart %d", i), false)
		g.cl.handle(i)
	case "status":
		ids := g.targets(fields[1], fail)
		if fields[1] == "all" {
			ids = ids[:0]
			for i := range g.cl.reps {
				ids = append(ids, i)
			}
		}
		for _, i := range ids {
			fmt.Fprintln(g.out, g.statusLine(i))
		}
	case "log":
		i := g.atoi(fields[1], fail)
		r := g.cl.reps[i]
		keys := make([][2]uint64, 0, len(r.log))
		for k := range r.log {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b [2]uint64) int {
			return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1]))
		})
		if r.stable != nil {
			fmt.Fprintf(g.out, "stable %s\n", certLine(r.stable))
		}
		fmt.Fprintf(g.out, "hardstate %s\n", hardStateLine(&r.hard))
		for _, k := range keys {
			fmt.Fprintln(g.out, recordLine(r.log[k]))
		}
		fmt.Fprintf(g.out, "executed %d batches\n", len(r.executed))
	default:
		return fail("unknown command")
	}
	return sb.String()
}

func (g *goldenEnv) atoi(s string, fail func(string, ...any) string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		fail("bad number %q", s)
	}
	return n
}

func (g *goldenEnv) targets(s string, fail func(string, ...any) string) []int {
	if s == "all" {
		var ids []int
		for i, r := range g.cl.reps {
			if !r.down {
				ids = append(ids, i)
			}
		}
		return ids
	}
	i := g.atoi(s, fail)
	if i >= len(g.cl.reps) {
		fail("no replica %d", i)
	}
	return []int{i}
}

// event starts a new event; its header prints now (eager) or before its first Ready.
func (g *goldenEnv) event(header string, eager bool) {
	g.header, g.printed, g.readies = header, eager, 0
	if eager {
		fmt.Fprintln(g.out, header)
	}
}

func (g *goldenEnv) decode(e envelope) *Message {
	m, err := unmarshalMessage(e.wire)
	if err != nil {
		g.t.Fatalf("decode: %v", err)
	}
	return m
}

func (g *goldenEnv) envelopeLine(e envelope) string {
	return msgLine(g.decode(e), fmt.Sprintf("%d->%d", e.from, e.to))
}

// deliverOne delivers the oldest in-flight message as the node would (verify, then Step or Propose) and
// renders the recipient's Ready; false if it was lost to a down replica.
func (g *goldenEnv) deliverOne() bool {
	cl := g.cl
	e := cl.inflight[0]
	cl.inflight = cl.inflight[1:]
	if cl.reps[e.to].down || cl.reps[e.from].down {
		return false
	}
	m := g.decode(e)
	g.event(g.envelopeLine(e), true)
	if err := cl.verifyMessage(e.from, m); err != nil {
		g.t.Fatalf("replica %d sent a message that does not verify: %v", e.from, err)
	}
	if m.Type == requestFrame() {
		for _, q := range m.Requests {
			_ = cl.reps[e.to].core.Propose(Request{Digest: RequestDigest(q), Data: q, Forwarded: true})
		}
	} else {
		cl.reps[e.to].core.Step(m)
	}
	cl.handle(int(e.to))
	return true
}

func (g *goldenEnv) statusLine(i int) string {
	r := g.cl.reps[i]
	st := r.core.Status()
	s := fmt.Sprintf("%d: view %d primary %d", i, st.View, st.Primary)
	if !st.ViewActive {
		s += " (not started)"
	}
	s += fmt.Sprintf(", executed %d, proposed %d, stable %d, pending %d, slots %d, log %d", st.LastExecuted,
		st.LastProposed, st.StableSeq, st.PendingRequests, st.SlotsInWindow, len(r.log))
	if st.SlowPathMode {
		s += ", slow-path mode"
	}
	if r.down {
		s += ", down"
	}
	return s
}

func (g *goldenEnv) renderReady(i int, rd *Ready) {
	visible := *rd
	visible.SoftState = nil
	if visible.Empty() {
		return // the soft state is the node's to log; the traces show what the protocol does
	}
	if !g.printed {
		fmt.Fprintln(g.out, g.header)
		g.printed = true
	}
	if g.readies > 0 {
		fmt.Fprintln(g.out, "  + ready")
	}
	g.readies++
	p := func(format string, args ...any) { fmt.Fprintf(g.out, "  "+format+"\n", args...) }
	if rd.HardState != nil {
		p("hardstate %s", hardStateLine(rd.HardState))
	}
	if rd.Stable != nil {
		p("stable %s", certLine(rd.Stable))
	}
	for _, rec := range rd.Records {
		p("%s", recordLine(rec))
	}
	if rd.PruneLogBelow > 0 {
		p("prune log below s%d", rd.PruneLogBelow)
	}
	for _, f := range rd.Forward {
		p("send Request %d->%d v%d %s", i, f.To, f.View, reqsLine(f.Requests))
	}
	for _, o := range rd.Messages {
		to := "*"
		if o.To != Broadcast {
			to = strconv.Itoa(int(o.To))
		}
		p("send %s", msgLine(o.Msg, fmt.Sprintf("%d->%s", i, to)))
	}
	for _, m := range rd.Announce {
		p("send %s", msgLine(m, fmt.Sprintf("%d->*", i)))
	}
	for _, r := range rd.Sign {
		p("sign %s v%d s%d d=%s", r.Kind, r.View, r.Seq, dig(r.Digest))
	}
	for _, c := range rd.Combine {
		from := make([]ReplicaID, len(c.Shares))
		for k, sh := range c.Shares {
			from[k] = sh.From
		}
		p("combine %s v%d s%d d=%s shares %s", c.Kind, c.View, c.Seq, dig(c.Digest), ids(from))
	}
	if rd.NeedStateTransfer {
		p("need state transfer")
	}
	for _, b := range rd.Committed {
		p("commit s%d v%d d=%s %s %s", b.Seq, b.View, dig(b.Digest), reqsLine(b.Requests), certRel(b.View, b.Seq, b.Digest, &b.Cert))
	}
}

// typeName names a message type, and the node's frame of forwarded requests.
func typeName(t MsgType) string {
	if t == requestFrame() {
		return "Request"
	}
	return t.String()
}

func dig(d [32]byte) string {
	if d == ([32]byte{}) {
		return "-"
	}
	return fmt.Sprintf("%x", d[:2])
}

func ids(xs []ReplicaID) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(int(x))
	}
	return "{" + strings.Join(s, ",") + "}"
}

func reqsLine(reqs [][]byte) string {
	s := make([]string, len(reqs))
	for i, r := range reqs {
		s[i] = string(r)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// certLine renders a certificate in full: kind, view, seq, digest and signers.
func certLine(c *Certificate) string {
	if c == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%s v%d s%d d=%s %s", c.Kind, c.View, c.Seq, dig(c.Digest), c.Signers.String())
}

// certRel renders a certificate about (view, seq, digest): kind{signers}, with its fields only where they
// differ.
func certRel(view, seq uint64, digest [32]byte, c *Certificate) string {
	s := c.Kind.String() + c.Signers.String()
	if c.View != view || c.Seq != seq || c.Digest != digest {
		s += fmt.Sprintf("(v%d s%d d=%s)", c.View, c.Seq, dig(c.Digest))
	}
	return s
}

func hardStateLine(h *HardState) string {
	s := fmt.Sprintf("view %d", h.View)
	if h.InViewChange {
		s += " in view change"
	}
	if h.ViewChange != nil {
		s += ", sent " + msgLine(h.ViewChange, "")
	}
	if h.NewView != nil {
		s += ", started by " + msgLine(h.NewView, "")
	}
	return s
}

func recordLine(rec Record) string {
	kind := "PrePrepare"
	if rec.Kind == RecordPrepared {
		kind = "Prepared"
	}
	return fmt.Sprintf("record s%d %s: %s", rec.Seq, kind, msgLine(rec.Msg, ""))
}

// msgLine renders a message: type, route (if any), and the fields its type uses.
func msgLine(m *Message, route string) string {
	var sb strings.Builder
	sb.WriteString(typeName(m.Type))
	if route != "" {
		sb.WriteString(" " + route)
	}
	fmt.Fprintf(&sb, " v%d", m.View)
	switch m.Type {
	case MsgStatus:
		fmt.Fprintf(&sb, " executed %d stable %d", m.LastExecuted, m.Seq)
		if m.Flags&FlagInViewChange != 0 {
			sb.WriteString(" in-view-change")
		}
		return sb.String()
	case MsgComplain:
		return sb.String()
	case MsgViewChange:
		if m.Stable != nil {
			sb.WriteString(" stable " + certLine(m.Stable))
		}
		for _, e := range m.Entries {
			fmt.Fprintf(&sb, " s%d(", e.Seq)
			var parts []string
			if e.HasPP {
				parts = append(parts, fmt.Sprintf("pp v%d d=%s", e.PPView, dig(e.PPDigest)))
			}
			if e.Prepared != nil {
				parts = append(parts, fmt.Sprintf("prepared v%d %s", e.Prepared.View, e.Prepared.Signers.String()))
			}
			if e.Committed != nil {
				parts = append(parts, fmt.Sprintf("committed %s v%d %s", e.Committed.Kind, e.Committed.View, e.Committed.Signers.String()))
			}
			sb.WriteString(strings.Join(parts, ", ") + ")")
		}
		if len(m.Entries) == 0 {
			sb.WriteString(" no entries")
		}
		return sb.String()
	case MsgNewView:
		from := make([]ReplicaID, len(m.ViewChanges))
		for i, vc := range m.ViewChanges {
			from[i] = vc.From
		}
		fmt.Fprintf(&sb, " from view changes %s", ids(from))
		return sb.String()
	case requestFrame():
		sb.WriteString(" " + reqsLine(m.Requests))
		return sb.String()
	}
	fmt.Fprintf(&sb, " s%d d=%s", m.Seq, dig(m.Digest))
	if m.Flags&FlagSlowPath != 0 {
		sb.WriteString(" slow-path")
	}
	if m.Flags&FlagBatchMissing != 0 {
		sb.WriteString(" batch-missing")
	}
	if m.Type == MsgPrePrepare || m.Type == MsgCommitted {
		sb.WriteString(" " + reqsLine(m.Requests))
	}
	if m.Cert != nil {
		sb.WriteString(" " + certRel(m.View, m.Seq, m.Digest, m.Cert))
	}
	return sb.String()
}
