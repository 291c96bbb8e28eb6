package replica

import (
	"errors"
	"fmt"

	"github.com/sbftnet/sbft/chain"
	"github.com/sbftnet/sbft/consensus"
	bsync "github.com/sbftnet/sbft/sync"
	"github.com/sbftnet/sbft/wire"
)

// InstallTransfer executes fetched blocks forward on the driver's goroutine (sync.Install: each must reproduce
// the block fetched, same state root, same hash), stores the stable checkpoint and restarts the core from the
// store: the replica rejoins consensus at the checkpoint. If a block does not reproduce, the blocks before it
// stay installed and the application is reloaded from the store, since executing the bad block advanced it in
// memory.
func (d *Driver) InstallTransfer(proof *wire.StableCheckpointProof, blocks []bsync.Block) error {
	if err := bsync.Install(d.app, d.cfg.ChainID, proof, blocks, d.cfg.VerifiedTxs.Has); err != nil {
		app, rerr := chain.OpenApp(d.cfg.Store, d.cfg.ChainID, d.cfg.Logger)
		if rerr != nil {
			return errors.Join(err, fmt.Errorf("reload application: %w", rerr))
		}
		d.app = app
		return errors.Join(err, d.restartCore())
	}
	return d.restartCore()
}

// restartCore rebuilds the consensus core from the store, as a restarted process would.
func (d *Driver) restartCore() error {
	rs, err := loadRestore(d.cfg.Store, d.app, d.cc.RetainExecutedSeqs())
	if err != nil {
		return err
	}
	core, err := consensus.New(d.cc, rs)
	if err != nil {
		return fmt.Errorf("restart consensus after state transfer: %w", err)
	}
	d.core = core
	d.resetSoftState(core.Status().SoftState)
	d.publishStatus()
	return nil
}
