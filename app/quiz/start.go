package quiz

import (
	"context"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/db"
	"custos/app/server"
	"custos/app/training"
	"custos/courses"
)

// startAttempt draws a new attempt when the person may start one: lessons read, not passed, no
// attempt open, attempts left and the cool-down over. A late attempt is recorded as failed
// first. The checks and the insert share a transaction, and the attempt number is unique per
// assignment, so parallel starts (on any number of instances) make one attempt at most.
func (h *Handler) startAttempt(c *fiber.Ctx) error {
	course, a, err := h.assigned(c)
	if err != nil {
		return err
	}
	ctx, now, lang := c.UserContext(), h.s.Now(), server.Lang(c)
	read, err := h.lessonsRead(ctx, a, course)
	if err != nil {
		return err
	}
	if !read {
		return h.refuseStart(c, course, a, apperr.New(apperr.Invalid, "quiz_locked"))
	}
	var refusal *apperr.Error
	err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		st, err := loadStanding(ctx, tx, a, course, now)
		if err != nil {
			return err
		}
		if st.Late != nil {
			if err := h.expire(ctx, c, tx, a, course, st.Late, now); err != nil {
				return err
			}
		}
		switch {
		case st.Open != nil:
			return nil // a double click: the attempt already open is the one to answer
		case st.Passed != nil:
			refusal = apperr.New(apperr.Conflict, "quiz_error_passed")
		case st.Left == 0:
			refusal = apperr.New(apperr.Conflict, "quiz_error_no_attempts")
		case !st.RetryAt.IsZero():
			refusal = apperr.New(apperr.Conflict, "quiz_error_cooldown")
		}
		if refusal != nil {
			return nil // commit what was recorded above; start nothing
		}
		return h.insertAttempt(ctx, c, tx, a, course, len(st.Attempts)+1, lang, now)
	})
	if db.IsUniqueViolation(err) {
		err = nil // a parallel start won; its attempt is the one to answer
	}
	if err != nil {
		return err
	}
	if refusal != nil {
		return h.refuseStart(c, course, a, refusal)
	}
	return c.Redirect("/courses/"+course.Slug+"/quiz", fiber.StatusSeeOther)
}

// insertAttempt draws the questions and stores attempt number no with its audit record.
func (h *Handler) insertAttempt(ctx context.Context, c *fiber.Ctx, tx bun.Tx, a *training.Assignment, course *courses.Course, no int, lang string, now time.Time) error {
	drawn := course.Bank.Draw(newRand(), course.Questions, course.LessonSlugs())
	at := &Attempt{
		AssignmentID: a.ID, PersonID: a.PersonID, Course: course.Slug, AttemptNo: no,
		Bank: course.Bank.Name, BankVersion: course.Bank.Version, CourseVersion: course.Version,
		Total: len(drawn), PassMark: course.PassMark, Locale: lang, StartedAt: now,
	}
	for _, d := range drawn {
		at.Questions = append(at.Questions, ShownQuestion{ID: d.QuestionID, Options: d.OptionOrder})
	}
	if course.TimeLimit > 0 {
		deadline := now.Add(course.TimeLimit)
		at.Deadline = &deadline
	}
	if _, err := tx.NewInsert().Model(at).Exec(ctx); err != nil {
		return err // a unique violation is a parallel start; the caller recognises it
	}
	details := []string{"course", course.Slug, "attempt", strconv.Itoa(no), "attempt_id", strconv.FormatInt(at.ID, 10),
		"bank", at.Bank, "bank_version", at.BankVersion, "questions", strconv.Itoa(at.Total), "locale", lang}
	if at.Deadline != nil {
		details = append(details, "deadline", at.Deadline.UTC().Format(time.RFC3339))
	}
	return h.s.Audit.Append(ctx, tx, h.s.Event(c, "quiz.start", subject(a), details...))
}

// expire records a late attempt as failed, with its audit record; a no-op when another request
// recorded it first.
func (h *Handler) expire(ctx context.Context, c *fiber.Ctx, tx bun.Tx, a *training.Assignment, course *courses.Course, at *Attempt, now time.Time) error {
	done, err := recordLate(ctx, tx, at, now)
	if err != nil || !done {
		return err
	}
	return h.s.Audit.Append(ctx, tx, h.s.Event(c, "quiz.submit", subject(a), submitDetails(course, at)...))
}

// refuseStart shows the quiz page with why no attempt started.
func (h *Handler) refuseStart(c *fiber.Ctx, course *courses.Course, a *training.Assignment, refusal *apperr.Error) error {
	page, err := h.quizPage(c, course, a)
	if err != nil {
		return err
	}
	page.Error = h.s.Localizer(c).TMap(refusal.Key, refusal.Args)
	if page.Standing.Open != nil && !page.Locked {
		page.Form = attemptFormOf(page.Standing.Open, course.Bank, server.Lang(c), nil, h.s.Now())
	}
	c.Status(statusOf(refusal))
	return h.s.Render(c, "quiz", page)
}

// statusOf is the status a refusal is answered with.
func statusOf(e *apperr.Error) int {
	if e.Code == apperr.Conflict {
		return fiber.StatusConflict
	}
	return fiber.StatusUnprocessableEntity
}

// submitDetails describes an attempt's result for the audit log.
func submitDetails(course *courses.Course, at *Attempt) []string {
	return []string{"course", course.Slug, "attempt", strconv.Itoa(at.AttemptNo), "attempt_id", strconv.FormatInt(at.ID, 10),
		"score", strconv.Itoa(deref(at.Score)), "correct", strconv.Itoa(deref(at.Correct)), "total", strconv.Itoa(at.Total),
		"passed", strconv.FormatBool(at.HasPassed()), "expired", strconv.FormatBool(at.Expired != nil && *at.Expired)}
}
