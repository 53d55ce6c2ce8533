package quizzes

import (
	"errors"
	"io/fs"
	"math/rand/v2"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// FuzzScoreAnswers submits arbitrary quiz forms (the url-encoded body a browser posts, fields
// q.<question id> as the quiz page names them) against a draw from the built-in bank. Scoring
// must never panic; it either refuses with an AnswerError naming one of its reasons, or returns
// a result that adds up, where a question counts as right exactly when the options given are
// the correct ones. The correct answers always score 100.
//
//	go test -run='^$' -fuzz='^FuzzScoreAnswers$' -fuzztime=10s ./quizzes/
func FuzzScoreAnswers(f *testing.F) {
	data, err := fs.ReadFile(Builtin(), "customer-information.toml")
	if err != nil {
		f.Fatal(err)
	}
	bank, err := Parse("quizzes/customer-information.toml", data)
	if err != nil {
		f.Fatal(err)
	}
	draw := func(seed uint64) []Drawn {
		return bank.Draw(rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), 10, nil)
	}
	right := url.Values{}
	for _, d := range draw(1) {
		right["q."+d.QuestionID] = bank.Question(d.QuestionID).CorrectOptions()
	}
	for _, body := range []string{
		right.Encode(),
		"attempt=1",
		"q.nope=a",
		"q." + draw(1)[0].QuestionID + "=zz",
		"q." + draw(1)[0].QuestionID + "=a&q." + draw(1)[0].QuestionID + "=b&q." + draw(1)[0].QuestionID + "=a",
		"q.=&q.=&=",
		"q.%ZZ=1&q.%00=%00",
		strings.Repeat("q.x=1&", 50),
	} {
		f.Add(body, uint64(1))
	}
	f.Fuzz(func(t *testing.T, body string, seed uint64) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return // the server's form parser never hands such a body to the quiz
		}
		answers := map[string][]string{}
		for k, vs := range form {
			if id, ok := strings.CutPrefix(k, "q."); ok {
				answers[id] = append(answers[id], vs...)
			}
		}
		drawn := draw(seed)
		res, err := bank.Score(drawn, answers)
		if err != nil {
			var ae *AnswerError
			if !errors.As(err, &ae) || !(errors.Is(err, ErrNotDrawn) || errors.Is(err, ErrUnknownOption) ||
				errors.Is(err, ErrTooManyAnswers) || errors.Is(err, ErrNotInBank)) {
				t.Fatalf("refused with %T %v", err, err)
			}
			return
		}
		if res.Total != len(drawn) || len(res.Items) != res.Total || res.Correct < 0 || res.Correct > res.Total ||
			res.Percent != res.Correct*100/max(res.Total, 1) {
			t.Fatalf("result does not add up: %+v for %d drawn", res, len(drawn))
		}
		correct := 0
		for i, it := range res.Items {
			q := bank.Question(drawn[i].QuestionID)
			given := slices.Clone(it.Given)
			want := q.CorrectOptions()
			slices.Sort(given)
			slices.Sort(want)
			if it.Correct != slices.Equal(slices.Compact(given), want) {
				t.Fatalf("question %s counted %v for %v (correct: %v)", q.ID, it.Correct, it.Given, want)
			}
			if it.Correct {
				correct++
			}
		}
		if correct != res.Correct {
			t.Fatalf("%d items right, result says %d", correct, res.Correct)
		}
		all := map[string][]string{}
		for _, d := range drawn {
			all[d.QuestionID] = bank.Question(d.QuestionID).CorrectOptions()
		}
		if full, err := bank.Score(drawn, all); err != nil || full.Percent != 100 {
			t.Fatalf("the correct answers score %d, %v", full.Percent, err)
		}
	})
}
