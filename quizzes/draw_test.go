package quizzes

import (
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

func mustParseFile(tb testing.TB, path string) *Bank {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := Parse(path, data)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

func TestDraw(t *testing.T) {
	b := mustParseFile(t, "testdata/basic.toml") // l1: 3 questions, l2: 2, l3: 1

	t.Run("never repeats a question", func(t *testing.T) {
		for seed := range uint64(200) {
			for n := 1; n <= len(b.Questions)+2; n++ {
				d := b.Draw(seeded(seed), n, nil)
				seen := map[string]bool{}
				for _, q := range d {
					if seen[q.QuestionID] {
						t.Fatalf("seed %d n %d: %q drawn twice", seed, n, q.QuestionID)
					}
					seen[q.QuestionID] = true
				}
				if want := min(n, len(b.Questions)); len(d) != want {
					t.Fatalf("seed %d: drew %d questions, want %d", seed, len(d), want)
				}
			}
		}
	})

	t.Run("covers lessons evenly", func(t *testing.T) {
		tests := []struct {
			n    int
			want map[string]int
		}{
			{3, map[string]int{"l1": 1, "l2": 1, "l3": 1}},
			{5, map[string]int{"l1": 2, "l2": 2, "l3": 1}}, // l3 runs out, the others carry on
			{6, map[string]int{"l1": 3, "l2": 2, "l3": 1}},
		}
		for _, tt := range tests {
			for seed := range uint64(200) {
				got := map[string]int{}
				for _, d := range b.Draw(seeded(seed), tt.n, []string{"l1", "l2", "l3"}) {
					got[b.Question(d.QuestionID).Lesson]++
				}
				for l, w := range tt.want {
					if got[l] != w {
						t.Fatalf("n=%d seed %d: lesson counts %v, want %v", tt.n, seed, got, tt.want)
					}
				}
			}
		}
	})

	t.Run("a two-question draw over three lessons never takes both from one lesson", func(t *testing.T) {
		lessonsSeen := map[string]bool{}
		for seed := range uint64(300) {
			d := b.Draw(seeded(seed), 2, nil)
			l0, l1 := b.Question(d[0].QuestionID).Lesson, b.Question(d[1].QuestionID).Lesson
			if l0 == l1 {
				t.Fatalf("seed %d: both from %s", seed, l0)
			}
			lessonsSeen[l0], lessonsSeen[l1] = true, true
		}
		if len(lessonsSeen) != 3 {
			t.Errorf("lessons reached over 300 draws: %v; the lesson order should be random", lessonsSeen)
		}
	})

	t.Run("draws only from the lessons asked for", func(t *testing.T) {
		for seed := range uint64(50) {
			for _, d := range b.Draw(seeded(seed), 10, []string{"l2"}) {
				if l := b.Question(d.QuestionID).Lesson; l != "l2" {
					t.Fatalf("drew %s from lesson %s", d.QuestionID, l)
				}
			}
		}
	})

	t.Run("shuffles every question's options without losing any", func(t *testing.T) {
		firsts := map[string]bool{}
		for seed := range uint64(200) {
			for _, d := range b.Draw(seeded(seed), len(b.Questions), nil) {
				q := b.Question(d.QuestionID)
				var ids []string
				for _, o := range q.Options {
					ids = append(ids, o.ID)
				}
				got := slices.Clone(d.OptionOrder)
				slices.Sort(got)
				slices.Sort(ids)
				if !slices.Equal(got, ids) {
					t.Fatalf("%s: order %v is not a permutation of %v", q.ID, d.OptionOrder, ids)
				}
				if q.ID == "l1-multiple" {
					firsts[d.OptionOrder[0]] = true
				}
			}
		}
		if len(firsts) != 4 {
			t.Errorf("first option of l1-multiple over 200 draws: %v, want all 4", firsts)
		}
	})

	t.Run("is deterministic for a seed", func(t *testing.T) {
		a, c := b.Draw(seeded(7), 4, nil), b.Draw(seeded(7), 4, nil)
		if !slices.EqualFunc(a, c, func(x, y Drawn) bool {
			return x.QuestionID == y.QuestionID && slices.Equal(x.OptionOrder, y.OptionOrder)
		}) {
			t.Errorf("same seed, different draws: %v vs %v", a, c)
		}
	})

	t.Run("draws nothing for n of zero", func(t *testing.T) {
		if d := b.Draw(seeded(1), 0, nil); d != nil {
			t.Errorf("got %v", d)
		}
	})
}
