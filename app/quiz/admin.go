package quiz

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/server"
	"custos/app/training"
)

// Bounds of a grant: a few attempts at a time, and a reason that fits the audit log.
const (
	maxGrant       = 10
	maxGrantReason = 500
)

// adminPage lists the people who used every attempt without passing, each with a grant form.
type adminPage struct {
	server.Page
	Rows  []outOfAttempts
	Error string
}

// outOfAttempts is one assignment whose attempts are used up.
type outOfAttempts struct {
	AssignmentID int64
	Name, Email  string
	Course       string
	Cycle        int
	Used         int
	Allowed      int
	LastAt       time.Time
}

func (h *Handler) showAdmin(c *fiber.Ctx) error {
	page, err := h.adminPage(c)
	if err != nil {
		return err
	}
	if c.Query("granted") != "" {
		page.Notice = h.s.Localizer(c).T("quiz_admin_granted")
	}
	return h.s.Render(c, "admin_quiz", page)
}

// adminPage finds the open assignments whose attempts are all used and not passed. The database
// narrows them to open assignments with attempts and no pass; the limit is the course's, so the
// last step is here.
func (h *Handler) adminPage(c *fiber.Ctx) (*adminPage, error) {
	var rows []struct {
		AssignmentID int64     `bun:"assignment_id"`
		Course       string    `bun:"course"`
		Cycle        int       `bun:"cycle"`
		Name         string    `bun:"name"`
		Email        string    `bun:"email"`
		Used         int       `bun:"used"`
		Open         int       `bun:"open"`
		Granted      int       `bun:"granted"`
		LastAt       time.Time `bun:"last_at"`
	}
	err := h.s.DB.NewRaw(`SELECT a.id AS assignment_id, a.course, a.cycle, p.name, p.email,
		COUNT(*) AS used,
		SUM(CASE WHEN qa.submitted_at IS NULL AND (qa.deadline IS NULL OR qa.deadline > ?) THEN 1 ELSE 0 END) AS open,
		(SELECT COALESCE(SUM(g.extra), 0) FROM quiz_grants g WHERE g.assignment_id = a.id) AS granted,
		MAX(qa.started_at) AS last_at
		FROM assignments a
		JOIN people p ON p.id = a.person_id
		JOIN quiz_attempts qa ON qa.assignment_id = a.id
		WHERE a.completed_at IS NULL AND p.active
		GROUP BY a.id, a.course, a.cycle, p.name, p.email
		HAVING SUM(CASE WHEN qa.passed THEN 1 ELSE 0 END) = 0
		ORDER BY MAX(qa.started_at) DESC, a.id`, h.s.Now().Add(-submitGrace)).Scan(c.UserContext(), &rows)
	if err != nil {
		return nil, fmt.Errorf("list people out of quiz attempts: %w", err)
	}
	page := &adminPage{}
	lang := server.Lang(c)
	for _, r := range rows {
		course := h.cat.Get(r.Course)
		if course == nil || !course.HasQuiz() {
			continue
		}
		allowed := course.MaxAttempts + r.Granted
		if r.Used < allowed || r.Open > 0 {
			continue
		}
		page.Rows = append(page.Rows, outOfAttempts{AssignmentID: r.AssignmentID, Name: r.Name, Email: r.Email,
			Course: course.Title.In(lang), Cycle: r.Cycle, Used: r.Used, Allowed: allowed, LastAt: r.LastAt})
	}
	return page, nil
}

// grant gives an assignment extra attempts, with the administrator's reason, audited in the same
// transaction.
func (h *Handler) grant(c *fiber.Ctx) error {
	ctx, now := c.UserContext(), h.s.Now()
	id, _ := strconv.ParseInt(c.FormValue("assignment"), 10, 64)
	extra, extraErr := strconv.Atoi(strings.TrimSpace(c.FormValue("extra")))
	reason := strings.TrimSpace(strings.Clone(c.FormValue("reason")))

	a, problem, err := h.grantable(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case problem != nil:
	case extraErr != nil || extra < 1 || extra > maxGrant:
		problem = apperr.New(apperr.Invalid, "quiz_grant_error_extra", "Max", maxGrant)
	case reason == "" || utf8.RuneCountInString(reason) > maxGrantReason:
		problem = apperr.New(apperr.Invalid, "quiz_grant_error_reason", "Max", maxGrantReason)
	}
	if problem != nil {
		page, err := h.adminPage(c)
		if err != nil {
			return err
		}
		page.Error = h.s.Localizer(c).TMap(problem.Key, problem.Args)
		c.Status(fiber.StatusUnprocessableEntity)
		return h.s.Render(c, "admin_quiz", page)
	}
	err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		g := &Grant{AssignmentID: a.ID, Extra: extra, GrantedBy: server.ViewerOf(c).ID, Reason: reason, At: now}
		if _, err := tx.NewInsert().Model(g).Exec(ctx); err != nil {
			return fmt.Errorf("grant quiz attempts to assignment %d: %w", a.ID, err)
		}
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "quiz.grant", subject(a), "course", a.Course,
			"person_id", strconv.FormatInt(a.PersonID, 10), "extra", strconv.Itoa(extra), "reason", reason))
	})
	if err != nil {
		return err
	}
	return c.Redirect("/admin/quiz?granted="+strconv.FormatInt(a.ID, 10), fiber.StatusSeeOther)
}

// grantable loads the assignment a grant is for; problem says why it cannot have one.
func (h *Handler) grantable(ctx context.Context, id int64) (*training.Assignment, *apperr.Error, error) {
	a := new(training.Assignment)
	err := h.s.DB.NewSelect().Model(a).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.Invalid, "quiz_grant_error_assignment"), nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("load assignment %d: %w", id, err)
	}
	if course := h.cat.Get(a.Course); course == nil || !course.HasQuiz() {
		return nil, apperr.New(apperr.Invalid, "quiz_grant_error_assignment"), nil
	}
	if a.CompletedAt != nil {
		return nil, apperr.New(apperr.Invalid, "quiz_grant_error_completed"), nil
	}
	return a, nil, nil
}
