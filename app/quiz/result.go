package quiz

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/server"
	"custos/courses"
)

// resultPage is a finished attempt: the score and, per question, whether it was right and why.
// The correct options are marked only when the course reveals them.
type resultPage struct {
	server.Page
	Slug       string
	CourseName string
	No         int
	Score      int
	Correct    int
	Total      int
	PassMark   int
	Passed     bool
	Expired    bool
	Reveal     bool
	Items      []resultItem
	Error      string
}

type resultItem struct {
	N           int
	Text        string
	Explanation string
	Right       bool
	Answered    bool
	Gone        bool // the question has since left the bank
	Options     []resultOption
}

type resultOption struct {
	Text    string
	Chosen  bool
	Correct bool // set only when the course reveals answers
}

func (h *Handler) showResult(c *fiber.Ctx) error {
	course := h.cat.Get(c.Params("slug"))
	if course == nil || !course.HasQuiz() {
		return fiber.ErrNotFound
	}
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	at, err := attemptOf(c.UserContext(), h.s.DB, server.ViewerOf(c).ID, course.Slug, id)
	if err != nil {
		return err
	}
	if !at.Submitted() {
		// No result before submission: the result names the correct answers.
		return c.Redirect("/courses/"+course.Slug+"/quiz", fiber.StatusSeeOther)
	}
	return h.renderResult(c, course, at, "")
}

// attemptOf loads one of a person's attempts at a course; anyone else's is not found.
func attemptOf(ctx context.Context, db bun.IDB, personID int64, course string, id int64) (*Attempt, error) {
	at := new(Attempt)
	err := db.NewSelect().Model(at).Where("id = ? AND person_id = ? AND course = ?", id, personID, course).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "error_not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("load quiz attempt %d: %w", id, err)
	}
	return at, nil
}

// renderResult shows a submitted attempt in the viewer's language. The score is the one
// recorded; the per-question marks are worked out again from the answers recorded.
func (h *Handler) renderResult(c *fiber.Ctx, course *courses.Course, at *Attempt, msg string) error {
	lang := server.Lang(c)
	page := &resultPage{
		Slug: course.Slug, CourseName: course.Title.In(lang), No: at.AttemptNo, Score: deref(at.Score),
		Correct: deref(at.Correct), Total: at.Total, PassMark: at.PassMark, Passed: at.HasPassed(),
		Expired: at.Expired != nil && *at.Expired, Reveal: course.RevealAnswers, Error: msg,
	}
	for i, sq := range at.Questions {
		item := resultItem{N: i + 1, Answered: len(at.Answers[sq.ID]) > 0}
		q := course.Bank.Question(sq.ID)
		if q == nil {
			item.Gone = true
			page.Items = append(page.Items, item)
			continue
		}
		want := q.CorrectOptions()
		given := at.Answers[sq.ID]
		item.Text, item.Explanation = q.Text.In(lang), q.Explanation.In(lang)
		item.Right = len(given) == len(want) && !slices.ContainsFunc(given, func(id string) bool { return !slices.Contains(want, id) })
		for _, id := range sq.Options {
			o := q.Option(id)
			if o == nil {
				continue
			}
			ro := resultOption{Text: o.Text.In(lang), Chosen: slices.Contains(given, id)}
			if course.RevealAnswers {
				ro.Correct = o.Correct
			}
			item.Options = append(item.Options, ro)
		}
		page.Items = append(page.Items, item)
	}
	return h.s.Render(c, "quiz_result", page)
}
