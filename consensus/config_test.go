package consensus

import (
	"errors"
	"testing"
)

func TestCheckpointIntervalIsBounded(t *testing.T) {
	cfg := DefaultConfig(testSigner{0}, 0, 4, 1)
	if cfg.CheckpointIntervalSeqs != CheckpointIntervalSeqsDefault || cfg.WindowSeqs() != 2*CheckpointIntervalSeqsDefault ||
		cfg.RetainExecutedSeqs() != cfg.WindowSeqs() {
		t.Fatalf("default interval %d, window %d, retained %d", cfg.CheckpointIntervalSeqs, cfg.WindowSeqs(), cfg.RetainExecutedSeqs())
	}
	for _, tc := range []struct {
		interval int
		ok       bool
	}{{0, false}, {CheckpointIntervalSeqsMin - 1, false}, {CheckpointIntervalSeqsMin, true}, {10, true},
		{CheckpointIntervalSeqsMax, true}, {CheckpointIntervalSeqsMax + 1, false}} {
		cfg.CheckpointIntervalSeqs = tc.interval
		if err := cfg.Validate(); (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrConfig)) {
			t.Errorf("interval %d: %v", tc.interval, err)
		}
		if tc.ok && cfg.WindowSeqs() > WindowSeqsMax {
			t.Errorf("interval %d: window %d above WindowSeqsMax", tc.interval, cfg.WindowSeqs())
		}
	}
}
