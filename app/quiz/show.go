package quiz

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"custos/app/people"
	"custos/app/server"
	"custos/app/training"
	"custos/courses"
	"custos/quizzes"
)

// quizPage is the quiz page in each of its states: locked, passed, answering, able to start,
// cooling down, or out of attempts. It carries the questions as text only, never the bank's
// questions themselves, so nothing about the correct options can reach the template.
type quizPage struct {
	server.Page
	Slug       string
	CourseName string
	Questions  int // drawn per attempt
	PassMark   int
	TimeLimit  int // minutes; 0 for none
	Locked     bool
	Standing   Standing
	Form       *attemptForm
	Contacts   []contact
	History    []historyRow
	Error      string
}

// attemptForm is an open attempt as the person answers it.
type attemptForm struct {
	AttemptID   int64
	Number      int
	Deadline    time.Time // zero for no time limit
	MinutesLeft int
	Questions   []formQuestion
}

type formQuestion struct {
	N        int
	ID       string
	Multiple bool
	Text     string
	Options  []formOption
}

type formOption struct {
	ID      string
	Text    string
	Checked bool
}

// contact is an administrator a person out of attempts can ask.
type contact struct{ Name, Email string }

// historyRow is one finished attempt in the list below the quiz.
type historyRow struct {
	ID          int64
	No          int
	SubmittedAt time.Time
	Score       int
	Passed      bool
	Expired     bool
}

func (h *Handler) showQuiz(c *fiber.Ctx) error {
	course, a, err := h.assigned(c)
	if err != nil {
		return err
	}
	page, err := h.quizPage(c, course, a)
	if err != nil {
		return err
	}
	if page.Standing.Open != nil && !page.Locked {
		page.Form = attemptFormOf(page.Standing.Open, course.Bank, server.Lang(c), nil, h.s.Now())
	}
	return h.s.Render(c, "quiz", page)
}

// quizPage loads what every state of the quiz page shows.
func (h *Handler) quizPage(c *fiber.Ctx, course *courses.Course, a *training.Assignment) (*quizPage, error) {
	ctx, now := c.UserContext(), h.s.Now()
	read, err := h.lessonsRead(ctx, a, course)
	if err != nil {
		return nil, err
	}
	st, err := loadStanding(ctx, h.s.DB, a, course, now)
	if err != nil {
		return nil, err
	}
	page := &quizPage{
		Slug: course.Slug, CourseName: course.Title.In(server.Lang(c)), Questions: course.Questions,
		PassMark: course.PassMark, TimeLimit: int(math.Ceil(course.TimeLimit.Minutes())),
		Locked: !read, Standing: st,
	}
	for _, at := range st.Attempts {
		if at.Submitted() {
			page.History = append(page.History, historyRow{ID: at.ID, No: at.AttemptNo, SubmittedAt: *at.SubmittedAt,
				Score: deref(at.Score), Passed: at.HasPassed(), Expired: at.Expired != nil && *at.Expired})
		}
	}
	if st.OutOfAttempts() {
		if page.Contacts, err = admins(ctx, h.s); err != nil {
			return nil, err
		}
	}
	return page, nil
}

// attemptFormOf shows an open attempt's questions in the language lang, in the order drawn,
// with the answers already given (when the form comes back with a message) ticked.
func attemptFormOf(at *Attempt, bank *quizzes.Bank, lang string, given Answers, now time.Time) *attemptForm {
	f := &attemptForm{AttemptID: at.ID, Number: at.AttemptNo}
	if at.Deadline != nil {
		f.Deadline = *at.Deadline
		f.MinutesLeft = max(int(math.Ceil(at.Deadline.Sub(now).Minutes())), 0)
	}
	for i, sq := range at.Questions {
		q := bank.Question(sq.ID)
		if q == nil {
			continue // the bank changed under the attempt; scoring reports it
		}
		fq := formQuestion{N: i + 1, ID: q.ID, Multiple: q.Kind == quizzes.Multiple, Text: q.Text.In(lang)}
		for _, id := range sq.Options {
			o := q.Option(id)
			if o == nil {
				continue
			}
			fq.Options = append(fq.Options, formOption{ID: o.ID, Text: o.Text.In(lang), Checked: slices.Contains(given[q.ID], o.ID)})
		}
		f.Questions = append(f.Questions, fq)
	}
	return f
}

// admins lists the active administrators, whom a person out of attempts should contact.
func admins(ctx context.Context, s *server.Server) ([]contact, error) {
	var list []people.Person
	err := s.DB.NewSelect().Model(&list).Column("name", "email").
		Where("role = ? AND active", people.Admin).Order("name", "id").Limit(5).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load administrators: %w", err)
	}
	out := make([]contact, len(list))
	for i, p := range list {
		out[i] = contact{Name: p.Name, Email: p.Email}
	}
	return out, nil
}

// MinutesUntil is how many whole minutes, rounded up, are left until t.
func (p *quizPage) MinutesUntil(t time.Time) int {
	return max(int(math.Ceil(t.Sub(p.Now).Minutes())), 0)
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
