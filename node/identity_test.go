package node

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sbftnet/sbft/wire"
)

// checkDuplicateRule runs the duplicate-key alarm's decision over the cases its rule names; nil when every
// decision is right. The mutants build plants a break of the rule and expects this to catch it.
func checkDuplicateRule() error {
	copyA, copyB := wire.InstanceID{0xa}, wire.InstanceID{0xb}
	for _, tc := range []struct {
		name    string
		reports map[uint32][]wire.InstanceID
		quorum  int
		want    []wire.InstanceID
	}{
		{"nobody saw another process", nil, 2, nil},
		{"one lying replica", map[uint32][]wire.InstanceID{1: {copyA}}, 2, nil},
		{"one replica naming it twice", map[uint32][]wire.InstanceID{1: {copyA, copyA}}, 2, nil},
		{"f+1 replicas saw a copy", map[uint32][]wire.InstanceID{1: {copyA}, 2: {copyA}}, 2, []wire.InstanceID{copyA}},
		{"f+1 replicas, each a different made-up one", map[uint32][]wire.InstanceID{1: {copyA}, 2: {copyB}}, 2, nil},
		{"a copy seen by all and a lie", map[uint32][]wire.InstanceID{1: {copyA, copyB}, 2: {copyA}, 3: {copyA}}, 2, []wire.InstanceID{copyA}},
	} {
		if got := duplicateInstances(tc.reports, tc.quorum); !slices.Equal(got, tc.want) {
			return fmt.Errorf("%s: alarm on %v, want %v", tc.name, got, tc.want)
		}
	}
	return nil
}

// The alarm needs f+1 distinct replicas reporting the same other process: one byzantine replica cannot make an
// honest one unhealthy.
func TestDuplicateAlarmNeedsFPlusOneReplicas(t *testing.T) {
	if err := checkDuplicateRule(); err != nil {
		t.Fatal(err)
	}
}

// The window in which another process counts is fixed once the replica is past its start: an instance that
// stopped stops counting, however long the replica has been up (before: the window grew with uptime).
func TestInstanceWindowDoesNotGrowWithUptime(t *testing.T) {
	for _, tc := range []struct{ uptime, want time.Duration }{
		{0, 0},
		{InstanceGrace, 0},
		{InstanceGrace + time.Second, time.Second},
		{14 * time.Minute, InstanceSeenWindow},
		{30 * 24 * time.Hour, InstanceSeenWindow},
	} {
		if got := instanceWindow(tc.uptime); got != tc.want {
			t.Errorf("up %v: window %v, want %v", tc.uptime, got, tc.want)
		}
	}
}

// A young process, or one that sees another of its key, checks often; a settled one seldom, but often enough
// that a copy which stopped stops counting within the window's time plus one check.
func TestInstanceCheckInterval(t *testing.T) {
	for _, tc := range []struct {
		uptime    time.Duration
		duplicate bool
		want      time.Duration
	}{
		{0, false, InstanceCheckInterval},
		{InstanceCheckFastFor - time.Second, false, InstanceCheckInterval},
		{InstanceCheckFastFor, false, InstanceCheckIntervalSettled},
		{24 * time.Hour, false, InstanceCheckIntervalSettled},
		{24 * time.Hour, true, InstanceCheckInterval},
	} {
		if got := instanceCheckInterval(tc.uptime, tc.duplicate); got != tc.want {
			t.Errorf("up %v, duplicate %v: %v, want %v", tc.uptime, tc.duplicate, got, tc.want)
		}
	}
	if InstanceCheckIntervalSettled > InstanceSeenWindow {
		t.Errorf("settled checks every %v: longer than the %v window", InstanceCheckIntervalSettled, InstanceSeenWindow)
	}
}
