// Package training is the training cycle: the scheduler that assigns courses, the pages where
// people read lessons, and the completion of an assignment once every part is done.
package training

import (
	"context"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/auth"
	"custos/app/db"
	"custos/app/server"
	"custos/courses"
)

// Handler serves the training pages.
type Handler struct {
	s   *server.Server
	cat *courses.Catalog
	// The prepared statements behind the pages everyone opens.
	list, current, lessons *db.Statement
	// Parts and OnComplete come from the packages that own the quiz, the signature and the
	// certificate, so training asks them without depending on them.
	Parts      Parts
	OnComplete OnComplete
	// CertificateSerials finds the certificates of completed assignments, to link them.
	CertificateSerials func(ctx context.Context, db bun.IDB, assignmentIDs []int64) (map[int64]string, error)
}

// New returns the training pages' handler.
func New(s *server.Server, cat *courses.Catalog, parts Parts) *Handler {
	return &Handler{s: s, cat: cat, Parts: parts, list: listing(s.DB, parts),
		current: db.NewStatement(s.DB, currentQuery(s.DB, db.Param(s.DB, 1), db.Param(s.DB, 2))),
		lessons: db.NewStatement(s.DB, lessonsQuery(s.DB, db.Param(s.DB, 1)))}
}

// Routes adds the training pages.
func (h *Handler) Routes() {
	r := h.s.Fiber
	r.Get("/", auth.RequireSignIn, h.showHome)
	r.Get("/courses/:slug", auth.RequireSignIn, h.showCourse)
	r.Get("/courses/:slug/lessons/:n<int>", auth.RequireSignIn, h.showLesson)
	r.Post("/courses/:slug/lessons/:n<int>", auth.RequireSignIn, h.completeLesson)
}

// Catalog is the content the handler serves.
func (h *Handler) Catalog() *courses.Catalog { return h.cat }

// homeRow is one assignment on "my training", flat: html/template finds a field of an embedded
// struct, or calls a method, by a slow reflective search on every use, and this page is the one
// everyone opens.
type homeRow struct {
	ID             int64
	Cycle          int
	Course         string // slug
	Title          string
	Known          bool // the course is still in the catalogue
	HasQuiz        bool
	HasUndertaking bool
	Status         Status
	StatusText     string
	Overdue        string // how many days overdue, when it is
	Lessons        string // how many lessons are read, when the course has lessons
	Open           bool   // not completed
	DueAt          time.Time
	StartedAt      *time.Time
	CompletedAt    *time.Time
	ValidUntil     *time.Time
	Progress       Completion
	Certificate    string // serial, when one was issued
}

type homePage struct {
	server.Page
	Current []homeRow
	Past    []homeRow
}

// showHome lists the viewer's current assignments (the newest cycle of each course) with what is
// left to do, and their earlier cycles as history. It is the page everyone opens, so it asks the
// database little: the assignments with their lesson counts and part hints in one query, and a
// later part only where its hint says it may be done for an open assignment whose lessons are
// all read (before that, no part can be done).
func (h *Handler) showHome(c *fiber.Ctx) error {
	ctx, v, now, l := c.UserContext(), server.ViewerOf(c), h.s.Now(), h.s.Localizer(c)
	var list []Listed
	if err := h.list.All(ctx, &list, v.ID); err != nil {
		return fmt.Errorf("list assignments of %d: %w", v.ID, err)
	}
	serials, err := h.serials(ctx, list)
	if err != nil {
		return err
	}
	page := &homePage{}
	seen := map[string]bool{}
	for i := range list {
		a := &list[i].Assignment
		course := h.cat.Get(a.Course)
		row := homeRow{ID: a.ID, Cycle: a.Cycle, Course: a.Course, Title: a.Course, Status: a.Status(now),
			Open: a.CompletedAt == nil, DueAt: a.DueAt, StartedAt: a.StartedAt, CompletedAt: a.CompletedAt,
			ValidUntil: a.ValidUntil, Certificate: serials[a.ID]}
		row.StatusText = l.T("status_" + string(row.Status))
		if row.Status == Overdue {
			row.Overdue = l.T("home_overdue_days", "Count", a.DaysOverdue(now))
		}
		if course != nil {
			row.Known, row.HasQuiz, row.HasUndertaking = true, course.HasQuiz(), course.HasUndertaking()
			row.Title = course.Title.In(l.Lang)
			row.Progress = Completion{LessonsDone: list[i].LessonsRead, LessonsTotal: len(course.Lessons)}
			if row.Progress.LessonsTotal > 0 {
				row.Lessons = l.T("home_lessons_read", "Done", row.Progress.LessonsDone, "Total", row.Progress.LessonsTotal)
			}
			if a.CompletedAt == nil && row.Progress.LessonsComplete() {
				if err := h.Parts.later(ctx, h.s.DB, a, course, &row.Progress, list[i].QuizMaybe, list[i].SignedMaybe); err != nil {
					return err
				}
			}
		}
		if seen[a.Course] {
			page.Past = append(page.Past, row)
		} else {
			seen[a.Course] = true
			page.Current = append(page.Current, row)
		}
	}
	return h.s.Render(c, "home", page)
}

// serials finds the certificates of the completed assignments in list, if there are any.
func (h *Handler) serials(ctx context.Context, list []Listed) (map[int64]string, error) {
	var done []int64
	for _, a := range list {
		if a.CompletedAt != nil {
			done = append(done, a.ID)
		}
	}
	if len(done) == 0 || h.CertificateSerials == nil {
		return nil, nil
	}
	return h.CertificateSerials(ctx, h.s.DB, done)
}
