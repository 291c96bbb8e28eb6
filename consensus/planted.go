package consensus

// Planted bugs of the core, named as in package mutant's catalogue (which plants them through PlantBug in a
// build with the mutants tag). In an ordinary build planted is a constant false and the compiler drops every
// planted branch; the core stays free of imports outside the standard library either way.
const (
	bugSlowQuorum       = "slow-quorum"
	bugFastQuorum       = "fast-quorum"
	bugViewChangeQuorum = "viewchange-quorum"
	bugCheckpointQuorum = "checkpoint-quorum"
	bugAnyPrimary       = "any-primary"
	bugNewViewLowest    = "newview-lowest"
	bugOlderViews       = "older-views"
	bugOutOfOrder       = "out-of-order"
	bugNewViewDupes     = "newview-duplicates"
)

// plantedBugs lists the core's planted bugs (package mutant's tests check they are in its catalogue).
var plantedBugs = []string{bugSlowQuorum, bugFastQuorum, bugViewChangeQuorum, bugCheckpointQuorum, bugAnyPrimary,
	bugNewViewLowest, bugOlderViews, bugOutOfOrder, bugNewViewDupes}
