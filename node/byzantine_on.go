//go:build byzantine

package node

import (
	"fmt"
	"os"

	"github.com/sbftnet/sbft/node/byzantine"
	"github.com/sbftnet/sbft/replica"
)

// misbehave decorates the seams in the byzantine mode the environment names (byzantine.Env; unset: honest).
// Only a test build has it: the end-to-end tests build the binary with the tag byzantine for their
// misbehaving replicas.
func (n *Node) misbehave(s *seams) error {
	name := os.Getenv(byzantine.Env)
	mode, err := byzantine.Parse(name)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrConfig, byzantine.Env, err)
	}
	if mode.Honest() {
		return nil
	}
	n.log.Warn("BYZANTINE TEST MODE: this replica misbehaves", "mode", name)
	g := n.opts.Genesis
	s.transport = mode.Transport(s.transport, g.ChainID, n.id, g.N(), n.signer())
	s.announcer = mode.Announcer(s.announcer, g.ChainID, n.signer(), n.opts.ShareKey)
	s.input = func(d *replica.Driver) replica.Input { return mode.Input(d) }
	s.blocks = mode.Blocks(s.blocks, n.store)
	s.subscribe = mode.Subscription(s.subscribe, n.done)
	return nil
}
