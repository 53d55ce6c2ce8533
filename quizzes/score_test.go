package quizzes

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func drawAll(b *Bank) []Drawn {
	var d []Drawn
	for _, q := range b.Questions {
		var ids []string
		for _, o := range q.Options {
			ids = append(ids, o.ID)
		}
		d = append(d, Drawn{QuestionID: q.ID, OptionOrder: ids})
	}
	return d
}

func TestScore(t *testing.T) {
	b := mustParseFile(t, "testdata/basic.toml")
	drawn := drawAll(b)
	allRight := map[string][]string{
		"l1-single": {"a"}, "l1-multiple": {"c", "a"}, "l1-tf": {"true"},
		"l2-single": {"b"}, "l2-tf": {"false"}, "l3-multiple": {"x", "y"},
	}

	t.Run("scores a perfect attempt at 100 percent", func(t *testing.T) {
		r, err := b.Score(drawn, allRight)
		if err != nil {
			t.Fatal(err)
		}
		if r.Correct != 6 || r.Total != 6 || r.Percent != 100 || !r.Passed(100) {
			t.Errorf("got %+v", r)
		}
	})

	t.Run("a multiple question is right only for the exact set", func(t *testing.T) {
		for _, given := range [][]string{{"a"}, {"a", "c", "d"}, {"b", "d"}, {}} {
			r, err := b.Score(drawn[1:2], map[string][]string{"l1-multiple": given})
			if err != nil {
				t.Fatal(err)
			}
			if r.Items[0].Correct {
				t.Errorf("%v was scored right", given)
			}
			if got := r.Items[0].CorrectOptions; !slices.Equal(got, []string{"a", "c"}) {
				t.Errorf("CorrectOptions = %v", got)
			}
		}
	})

	t.Run("scores a missing answer as wrong without an error", func(t *testing.T) {
		answers := map[string][]string{"l1-single": {"a"}, "l2-single": {"b"}, "l2-tf": {"false"}}
		r, err := b.Score(drawn, answers)
		if err != nil {
			t.Fatal(err)
		}
		if r.Correct != 3 || r.Percent != 50 {
			t.Errorf("got %+v", r)
		}
		if got := Missing(drawn, answers); !slices.Equal(got, []string{"l1-multiple", "l1-tf", "l3-multiple"}) {
			t.Errorf("Missing = %v", got)
		}
	})

	t.Run("rounds the percentage down", func(t *testing.T) {
		r, err := b.Score(drawn[:3], map[string][]string{"l1-single": {"a"}, "l1-multiple": {"a", "c"}, "l1-tf": {"false"}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Percent != 66 || r.Passed(67) {
			t.Errorf("2 of 3 gave %d percent", r.Percent)
		}
	})

	t.Run("counts a repeated option once", func(t *testing.T) {
		r, err := b.Score(drawn[:1], map[string][]string{"l1-single": {"a", "a"}})
		if err != nil || r.Correct != 1 {
			t.Errorf("got %+v, %v", r, err)
		}
	})

	errTests := []struct {
		name    string
		drawn   []Drawn
		answers map[string][]string
		want    error
		qid     string
	}{
		{"rejects an answer to a question not drawn", drawn[:2], map[string][]string{"l2-single": {"b"}}, ErrNotDrawn, "l2-single"},
		{"rejects an option the question lacks", drawn, map[string][]string{"l1-single": {"z"}}, ErrUnknownOption, "l1-single"},
		{"rejects two answers to a single question", drawn, map[string][]string{"l1-single": {"a", "b"}}, ErrTooManyAnswers, "l1-single"},
		{"rejects two answers to a truefalse question", drawn, map[string][]string{"l1-tf": {"true", "false"}}, ErrTooManyAnswers, "l1-tf"},
		{"rejects a draw naming a question the bank lacks", []Drawn{{QuestionID: "gone"}}, nil, ErrNotInBank, "gone"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.Score(tt.drawn, tt.answers)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var ae *AnswerError
			if !errors.As(err, &ae) || ae.QuestionID != tt.qid {
				t.Errorf("err = %#v, want an *AnswerError for %q", err, tt.qid)
			}
		})
	}
}

// Scoring must depend on which options were chosen, never on where they were shown.
func TestScoreIsInvariantUnderShuffling(t *testing.T) {
	b := mustParseFile(t, "testdata/basic.toml")
	for seed := range uint64(500) {
		r := seeded(seed)
		drawn := b.Draw(r, 1+r.IntN(len(b.Questions)), nil)
		answers := randomAnswers(b, drawn, r)
		want, err := b.Score(drawn, answers)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}

		shuffled := make([]Drawn, len(drawn))
		for i, d := range drawn {
			order := slices.Clone(d.OptionOrder)
			r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			shuffled[i] = Drawn{QuestionID: d.QuestionID, OptionOrder: order}
		}
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		reordered := map[string][]string{}
		for id, given := range answers {
			g := slices.Clone(given)
			r.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
			reordered[id] = g
		}
		got, err := b.Score(shuffled, reordered)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if got.Correct != want.Correct || got.Percent != want.Percent || got.Total != want.Total {
			t.Fatalf("seed %d: %+v after shuffling, %+v before", seed, got, want)
		}
		right := map[string]bool{}
		for _, it := range want.Items {
			right[it.QuestionID] = it.Correct
		}
		for _, it := range got.Items {
			if right[it.QuestionID] != it.Correct {
				t.Fatalf("seed %d: %s changed from %v", seed, it.QuestionID, right[it.QuestionID])
			}
		}
	}
}

// randomAnswers answers some drawn questions with option sets a page could submit.
func randomAnswers(b *Bank, drawn []Drawn, r *rand.Rand) map[string][]string {
	answers := map[string][]string{}
	for _, d := range drawn {
		switch q := b.Question(d.QuestionID); {
		case r.IntN(5) == 0:
			// left unanswered
		case q.Kind == Multiple:
			var given []string
			for _, id := range d.OptionOrder {
				if r.IntN(2) == 0 {
					given = append(given, id)
				}
			}
			answers[q.ID] = given
		default:
			answers[q.ID] = []string{d.OptionOrder[r.IntN(len(d.OptionOrder))]}
		}
	}
	return answers
}
