package quiz

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/server"
	"custos/app/training"
	"custos/courses"
	"custos/quizzes"
)

// submitAttempt scores the person's open attempt on the server and records the result once.
// Anything the page shown could not have sent (another attempt, a question not drawn, an option
// the question lacks) and an incomplete form are refused with a message and change nothing. A
// late submission records the attempt as failed. Double and parallel submits record one result:
// the update only applies while the attempt is still open.
func (h *Handler) submitAttempt(c *fiber.Ctx) error {
	course, a, err := h.assigned(c)
	if err != nil {
		return err
	}
	ctx, now := c.UserContext(), h.s.Now()
	id, given := readAnswers(c)
	st, err := loadStanding(ctx, h.s.DB, a, course, now)
	if err != nil {
		return err
	}
	at := st.find(id)
	switch {
	case at == nil:
		return h.refuseAnswers(c, course, a, st, nil, "quiz_error_other_attempt")
	case at.Submitted():
		return h.redirectToResult(c, course, at) // a double submit: the first one counted
	case at.Late(now):
		return h.submitLate(c, course, a, at)
	}
	drawn := at.Drawn()
	res, err := course.Bank.Score(drawn, given)
	if err != nil {
		key, ok := answerProblem(err)
		if !ok {
			return fmt.Errorf("score attempt %d: %w", at.ID, err)
		}
		return h.refuseAnswers(c, course, a, st, given, key)
	}
	if missing := quizzes.Missing(drawn, given); len(missing) > 0 {
		return h.refuseAnswers(c, course, a, st, given, "quiz_error_missing", "Missing", len(missing))
	}

	passed, expired := res.Passed(at.PassMark), false
	done := *at
	stored := make(Answers, len(res.Items)) // as scored: duplicates removed
	for _, item := range res.Items {
		stored[item.QuestionID] = item.Given
	}
	done.SubmittedAt, done.Answers = &now, stored
	done.Score, done.Correct, done.Passed, done.Expired = &res.Percent, &res.Correct, &passed, &expired
	err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		recorded, err := complete(ctx, tx, &done, at)
		if err != nil || !recorded {
			return err // not recorded: a parallel submit won, and its result stands
		}
		if err := h.s.Audit.Append(ctx, tx, h.s.Event(c, "quiz.submit", subject(a), submitDetails(course, at)...)); err != nil {
			return err
		}
		if !passed {
			return nil
		}
		completed, err := h.training.Parts.CompleteIfDone(ctx, tx, a, course, now, h.training.OnComplete)
		if err != nil || !completed {
			return err
		}
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "assignment.complete", subject(a), "course", course.Slug))
	})
	if err != nil {
		return err
	}
	return h.redirectToResult(c, course, at)
}

// submitLate records an attempt whose time ran out as failed and shows it with the reason.
func (h *Handler) submitLate(c *fiber.Ctx, course *courses.Course, a *training.Assignment, at *Attempt) error {
	ctx, now := c.UserContext(), h.s.Now()
	err := h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return h.expire(ctx, c, tx, a, course, at, now)
	})
	if err != nil {
		return err
	}
	fresh, err := attemptOf(ctx, h.s.DB, at.PersonID, course.Slug, at.ID)
	if err != nil {
		return err
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return h.renderResult(c, course, fresh, h.s.Localizer(c).T("quiz_error_expired"))
}

// refuseAnswers shows the open attempt again, with the answers given and why nothing was
// recorded; without an open attempt it shows the quiz page with the message.
func (h *Handler) refuseAnswers(c *fiber.Ctx, course *courses.Course, a *training.Assignment, st Standing, given Answers, key string, args ...any) error {
	page, err := h.quizPage(c, course, a)
	if err != nil {
		return err
	}
	page.Error = h.s.Localizer(c).T(key, args...)
	if st.Open != nil && !page.Locked {
		page.Form = attemptFormOf(st.Open, course.Bank, server.Lang(c), given, h.s.Now())
	}
	c.Status(fiber.StatusUnprocessableEntity)
	return h.s.Render(c, "quiz", page)
}

func (h *Handler) redirectToResult(c *fiber.Ctx, course *courses.Course, at *Attempt) error {
	return c.Redirect(fmt.Sprintf("/courses/%s/quiz/attempts/%d", course.Slug, at.ID), fiber.StatusSeeOther)
}

// readAnswers returns the attempt id and the answers of a submitted quiz form: every field
// named q.<question id>, with all its values (checkboxes send several).
func readAnswers(c *fiber.Ctx) (int64, Answers) {
	answers := Answers{}
	var attempt string
	visit := func(k, v string) {
		if k == "attempt" {
			attempt = v
		} else if id, ok := strings.CutPrefix(k, "q."); ok {
			answers[id] = append(answers[id], v)
		}
	}
	if form, err := c.MultipartForm(); err == nil {
		for k, vs := range form.Value {
			for _, v := range vs {
				visit(k, v)
			}
		}
	} else {
		// string() copies: Fiber reuses the request buffer.
		c.Request().PostArgs().VisitAll(func(k, v []byte) { visit(string(k), string(v)) })
	}
	id, _ := strconv.ParseInt(attempt, 10, 64)
	return id, answers
}

// answerProblem maps a scoring error to the message that tells the person what was wrong.
func answerProblem(err error) (key string, ok bool) {
	switch {
	case errors.Is(err, quizzes.ErrNotDrawn):
		return "quiz_error_unknown_question", true
	case errors.Is(err, quizzes.ErrUnknownOption):
		return "quiz_error_bad_option", true
	case errors.Is(err, quizzes.ErrTooManyAnswers):
		return "quiz_error_too_many", true
	case errors.Is(err, quizzes.ErrNotInBank):
		return "quiz_error_bank_changed", true
	}
	return "", false
}
