package mutant

// Planted bugs outside the simulator's world (the p2p layer, a process and its store): each is caught by a
// checker test in the package that owns the rule, with the tag mutants (`make mutants` runs them: go test
// -tags mutants -run Mutant). The simulator's hunt (Catalogue) does not run them.
const (
	AnswerBudgetEarly  Bug = "answer-budget-early"  // an answer's budget goes back once it is built, before it is written
	DuplicateOneReport Bug = "duplicate-one-report" // the duplicate-key alarm fires on one replica's report
	SignedMarkLazy     Bug = "signed-mark-lazy"     // the signed mark advances only at checkpoints, not with every vote
)

// Guarded lists the planted bugs that checker tests, not the simulator, catch.
var Guarded = []Bug{AnswerBudgetEarly, DuplicateOneReport, SignedMarkLazy}
