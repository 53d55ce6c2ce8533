package quizzes

import (
	"errors"
	"fmt"
	"slices"
)

// Errors Score returns, wrapped in an *AnswerError that names the question and option.
// Callers map them to localized messages with errors.Is.
var (
	ErrNotDrawn       = errors.New("answer for a question that was not drawn")
	ErrUnknownOption  = errors.New("option is not one of the question's options")
	ErrTooManyAnswers = errors.New("more than one answer to a single-answer question")
	ErrNotInBank      = errors.New("drawn question is not in the bank")
)

// AnswerError says which question (and option, when one is at fault) an answer error concerns.
type AnswerError struct {
	QuestionID string
	OptionID   string // empty unless an option is at fault
	Err        error  // one of the Err… sentinels
}

// Error describes the problem with the ids involved.
func (e *AnswerError) Error() string {
	if e.OptionID != "" {
		return fmt.Sprintf("question %q, option %q: %v", e.QuestionID, e.OptionID, e.Err)
	}
	return fmt.Sprintf("question %q: %v", e.QuestionID, e.Err)
}

// Unwrap returns the sentinel so errors.Is works.
func (e *AnswerError) Unwrap() error { return e.Err }

// ItemResult is the outcome for one drawn question.
type ItemResult struct {
	QuestionID     string
	Given          []string // the option ids given, duplicates removed, in the order given
	Correct        bool
	CorrectOptions []string // in bank order
}

// Result is the outcome of an attempt.
type Result struct {
	Correct int
	Total   int
	Percent int // Correct*100/Total rounded down, so rounding never turns a fail into a pass
	Items   []ItemResult
}

// Passed reports whether the result reaches passMark percent.
func (r Result) Passed(passMark int) bool {
	return r.Total > 0 && r.Percent >= passMark
}

// Score marks answers (question id → chosen option ids) against the drawn questions.
// A question counts as right only when the set given equals the set of correct options.
// A drawn question without an answer counts as wrong and is not an error here: whether
// to accept an incomplete attempt is the caller's decision (see Missing). Answers that
// could not have come from the page shown are errors: a question not drawn, an option
// the question does not have, or two options for a single or true/false question.
func (b *Bank) Score(drawn []Drawn, answers map[string][]string) (Result, error) {
	inDraw := make(map[string]bool, len(drawn))
	for _, d := range drawn {
		if b.Question(d.QuestionID) == nil {
			return Result{}, &AnswerError{QuestionID: d.QuestionID, Err: ErrNotInBank}
		}
		inDraw[d.QuestionID] = true
	}
	// Sorted so that the same bad submission always reports the same error.
	for _, id := range sortedKeys(answers) {
		if !inDraw[id] {
			return Result{}, &AnswerError{QuestionID: id, Err: ErrNotDrawn}
		}
	}

	res := Result{Total: len(drawn), Items: make([]ItemResult, 0, len(drawn))}
	for _, d := range drawn {
		q := b.Question(d.QuestionID)
		given := dedupe(answers[d.QuestionID])
		for _, id := range given {
			if q.Option(id) == nil {
				return Result{}, &AnswerError{QuestionID: q.ID, OptionID: id, Err: ErrUnknownOption}
			}
		}
		if q.Kind != Multiple && len(given) > 1 {
			return Result{}, &AnswerError{QuestionID: q.ID, Err: ErrTooManyAnswers}
		}
		want := q.CorrectOptions()
		right := sameSet(given, want)
		if right {
			res.Correct++
		}
		res.Items = append(res.Items, ItemResult{QuestionID: q.ID, Given: given, Correct: right, CorrectOptions: want})
	}
	if res.Total > 0 {
		res.Percent = res.Correct * 100 / res.Total
	}
	return res, nil
}

// Missing returns, in draw order, the drawn questions that have no answer.
func Missing(drawn []Drawn, answers map[string][]string) []string {
	var out []string
	for _, d := range drawn {
		if len(answers[d.QuestionID]) == 0 {
			out = append(out, d.QuestionID)
		}
	}
	return out
}

func dedupe(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func sameSet(given, want []string) bool {
	if len(given) != len(want) {
		return false
	}
	for _, id := range given {
		if !slices.Contains(want, id) {
			return false
		}
	}
	return true
}
