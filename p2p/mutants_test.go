//go:build mutants

package p2p

import (
	"testing"

	"github.com/sbftnet/sbft/mutant"
)

// A budget given back before the answer is written is caught by the unread-answer checker.
func TestMutantAnswerBudgetEarlyIsCaught(t *testing.T) {
	mutant.Set(mutant.AnswerBudgetEarly)
	defer mutant.Set("")
	err := checkUnreadAnswerHeld(t)
	if err == nil {
		t.Fatal("planted bug answer-budget-early: the unread-answer checker did not notice")
	}
	t.Logf("planted bug %s caught: %v", mutant.AnswerBudgetEarly, err)
}
