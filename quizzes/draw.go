package quizzes

import "math/rand/v2"

// Drawn is one question of an attempt as shown: which question, and its options in display order.
type Drawn struct {
	QuestionID  string
	OptionOrder []string
}

// Draw picks up to n distinct questions whose lesson is in lessons (all of the bank's
// lessons when lessons is empty) and shuffles each question's options. Lessons are
// covered evenly: it takes one question from each lesson in turn, lessons in random
// order and questions at random within a lesson, and when a lesson runs out the others
// carry on. The result is shuffled so the lesson rotation does not show. It returns
// fewer than n questions only when fewer are eligible. r must not be nil; callers pass
// their own source so tests and replays are deterministic.
func (b *Bank) Draw(r *rand.Rand, n int, lessons []string) []Drawn {
	if n <= 0 {
		return nil
	}
	if len(lessons) == 0 {
		lessons = b.Lessons()
	}
	pools := map[string][]int{} // lesson → indexes into b.Questions
	var order []string
	for _, l := range lessons {
		if _, dup := pools[l]; !dup {
			pools[l] = nil
			order = append(order, l)
		}
	}
	for i, q := range b.Questions {
		if p, ok := pools[q.Lesson]; ok {
			pools[q.Lesson] = append(p, i)
		}
	}
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	for _, l := range order {
		p := pools[l]
		r.Shuffle(len(p), func(i, j int) { p[i], p[j] = p[j], p[i] })
	}

	var picked []int
	for len(picked) < n {
		took := false
		for _, l := range order {
			if len(picked) == n {
				break
			}
			if p := pools[l]; len(p) > 0 {
				picked = append(picked, p[0])
				pools[l] = p[1:]
				took = true
			}
		}
		if !took {
			break // every lesson is exhausted
		}
	}
	r.Shuffle(len(picked), func(i, j int) { picked[i], picked[j] = picked[j], picked[i] })

	out := make([]Drawn, len(picked))
	for k, i := range picked {
		q := &b.Questions[i]
		ids := make([]string, len(q.Options))
		for j, o := range q.Options {
			ids[j] = o.ID
		}
		r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		out[k] = Drawn{QuestionID: q.ID, OptionOrder: ids}
	}
	return out
}
