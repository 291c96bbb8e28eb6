package consensus

import (
	"slices"
	"testing"
)

// firstReplicas is the set of replicas 0..q-1.
func firstReplicas(q int) ReplicaSet {
	var s ReplicaSet
	for id := range ReplicaID(q) {
		s.Add(id)
	}
	return s
}

func TestReplicaSet(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ids    []ReplicaID
		beyond []int // n for which Beyond(n) holds
		within []int // n for which it does not
		text   string
	}{
		{"empty", nil, nil, []int{0, 1, 64, ReplicasMax}, "{}"},
		{"replica 0", []ReplicaID{0}, []int{0}, []int{1, ReplicasMax}, "{0}"},
		{"a word's last bit", []ReplicaID{63}, []int{63}, []int{64, 65}, "{63}"},
		{"the next word's first", []ReplicaID{64}, []int{63, 64}, []int{65, 200}, "{64}"},
		{"across the words", []ReplicaID{3, 64, 130, 255}, []int{3, 200, 255}, []int{256}, "{3,64,130,255}"},
		{"the last replica", []ReplicaID{ReplicasMax - 1}, []int{ReplicasMax - 1}, []int{ReplicasMax}, "{255}"},
	} {
		s := ReplicaSetOf(tc.ids...)
		if got := slices.Collect(s.Members()); !slices.Equal(got, tc.ids) {
			t.Errorf("%s: members %v", tc.name, got)
		}
		if s.Count() != len(tc.ids) || s.IsEmpty() != (len(tc.ids) == 0) || s.String() != tc.text {
			t.Errorf("%s: count %d, empty %v, %q", tc.name, s.Count(), s.IsEmpty(), s)
		}
		for _, id := range tc.ids {
			if !s.Has(id) || s.Has(id+1) && !slices.Contains(tc.ids, id+1) {
				t.Errorf("%s: Has is wrong around %d", tc.name, id)
			}
		}
		for _, n := range tc.beyond {
			if !s.Beyond(n) {
				t.Errorf("%s: not beyond %d", tc.name, n)
			}
		}
		for _, n := range tc.within {
			if s.Beyond(n) {
				t.Errorf("%s: beyond %d", tc.name, n)
			}
		}
	}
	if u := ReplicaSetOf(1, 70).Union(ReplicaSetOf(70, 200)); u != ReplicaSetOf(1, 70, 200) {
		t.Errorf("union %v", u)
	}
	if firstReplicas(ReplicasMax).Count() != ReplicasMax || firstReplicas(ReplicasMax).Has(ReplicasMax) {
		t.Error("the full set")
	}
	for id := range ReplicaSetOf(1, 2, 3).Members() {
		if id != 1 {
			t.Fatalf("Members went on after the loop broke, at %d", id)
		}
		break
	}
	defer func() {
		if recover() == nil {
			t.Error("Add took a replica beyond ReplicasMax")
		}
	}()
	ReplicaSetOf(ReplicasMax)
}
