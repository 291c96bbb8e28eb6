package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/sbftnet/sbft/node"
	"github.com/sbftnet/sbft/replica"
)

func statusCommand() *cli.Command {
	return &cli.Command{
		Name:  "status",
		Usage: "show a replica's status (from its HTTP endpoint)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "home", Required: true, EnvVars: []string{"SBFT_HOME"}, Usage: "replica home directory"},
			&cli.BoolFlag{Name: "json", Usage: "print the status document as JSON"},
			&cli.DurationFlag{Name: "timeout", Value: 5 * time.Second, Usage: "how long to wait for the replica"},
			&cli.BoolFlag{Name: "watch", Usage: "refresh every second; while the replica syncs, show a progress bar (until interrupted)"},
		},
		Action: runStatus,
	}
}

func runStatus(c *cli.Context) error {
	cfg, err := node.LoadConfig(c.String("home"))
	if err != nil {
		return err
	}
	if c.Bool("watch") {
		return watchStatus(c, cfg.HTTPAddr)
	}
	ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
	defer cancel()
	raw, st, err := fetchStatus(ctx, cfg.HTTPAddr)
	if err != nil {
		return err
	}
	if c.Bool("json") {
		_, err := c.App.Writer.Write(raw)
		return err
	}
	w := tabwriter.NewWriter(c.App.Writer, 0, 4, 2, ' ', 0)
	view := fmt.Sprint(st.View)
	if !st.ViewActive {
		view += " (view change in progress)"
	}
	fmt.Fprintf(w, "replica\t%d\nchain\t%s\nview\t%s\nprimary\t%d\nview changes\t%d (last took %d ms)\n",
		st.Replica, st.ChainID, view, st.Primary, st.ViewChanges, st.LastViewChangeMs)
	fmt.Fprintf(w, "last executed seq\t%d\nheight\t%d\nlast stable checkpoint\t%d %s\n",
		st.LastExecutedSeq, st.Height, st.LastStableCheckpoint, st.LastStableCheckpointHash)
	fmt.Fprintf(w, "last block hash\t%s\nstate root\t%s\npeers\t%d\npending requests\t%d\n",
		st.LastBlockHash, st.StateRoot, st.Peers, st.PendingRequests)
	return w.Flush()
}

// watchStatus prints one line a second: height and view, and while a state transfer runs a progress bar with
// the fetch rate and the time left.
func watchStatus(c *cli.Context, addr string) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastFetched uint64
	for {
		ctx, cancel := context.WithTimeout(c.Context, c.Duration("timeout"))
		_, st, err := fetchStatus(ctx, addr)
		cancel()
		switch {
		case err != nil:
			fmt.Fprintf(c.App.Writer, "%s unreachable: %v\n", time.Now().Format("15:04:05"), err)
		case st.Syncing && st.Sync != nil:
			s := st.Sync
			rate := float64(s.Fetched - min(lastFetched, s.Fetched))
			lastFetched = s.Fetched
			eta := "?"
			if rate > 0 {
				eta = (time.Duration(float64(s.Total-min(s.Fetched, s.Total))/rate) * time.Second).String()
			}
			fmt.Fprintf(c.App.Writer, "%s syncing %s %d/%d blocks to height %d, %.0f blocks/s, %d sources, eta %s\n",
				time.Now().Format("15:04:05"), progressBar(s.Fetched, s.Total, 30), s.Fetched, s.Total, s.TargetHeight,
				rate, len(s.PerSource), eta)
		default:
			lastFetched = 0
			fmt.Fprintf(c.App.Writer, "%s height %d view %d primary %d stable checkpoint %d peers %d state transfers %d\n",
				time.Now().Format("15:04:05"), st.Height, st.View, st.Primary, st.LastStableCheckpoint, st.Peers, st.StateTransfers)
		}
		select {
		case <-c.Context.Done():
			return nil
		case <-tick.C:
		}
	}
}

func progressBar(done, total uint64, width int) string {
	if total == 0 {
		total = 1
	}
	n := int(min(done, total) * uint64(width) / total)
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = '.'
		if i < n {
			bar[i] = '#'
		}
	}
	return "[" + string(bar) + "]"
}

// fetchStatus reads GET /status of the replica at addr.
func fetchStatus(ctx context.Context, addr string) ([]byte, *replica.Status, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/status", nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("replica at %s: %w", addr, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, node.StatusBodyBytesMax))
	if err != nil {
		return nil, nil, fmt.Errorf("read status: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("replica at %s answered %s", addr, resp.Status)
	}
	var st replica.Status
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, nil, fmt.Errorf("decode status: %w", err)
	}
	return raw, &st, nil
}
