package training

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/server"
	"custos/courses"
)

// maxLessonSeconds caps the time recorded for one lesson: a tab left open over a weekend is
// not reading.
const maxLessonSeconds = 4 * 3600

type coursePage struct {
	server.Page
	Course     *courses.Course
	Assignment *Assignment
	Status     Status
	Progress   Completion
	Done       map[string]LessonDone
	CourseName string
	Summary    string
}

// assigned loads the course and the viewer's current assignment of it; either missing is 404.
func (h *Handler) assigned(c *fiber.Ctx) (*courses.Course, *Assignment, error) {
	course := h.cat.Get(c.Params("slug"))
	if course == nil {
		return nil, nil, fiber.ErrNotFound
	}
	a, err := h.Current(c.UserContext(), server.ViewerOf(c).ID, course.Slug)
	if err != nil {
		return nil, nil, err
	}
	return course, a, nil
}

func (h *Handler) showCourse(c *fiber.Ctx) error {
	course, a, err := h.assigned(c)
	if err != nil {
		return err
	}
	ctx, lang := c.UserContext(), server.Lang(c)
	done, err := h.LessonsDone(ctx, a.ID)
	if err != nil {
		return err
	}
	progress, err := h.Parts.progressOf(ctx, h.s.DB, a, course, done)
	if err != nil {
		return err
	}
	return h.s.Render(c, "course", &coursePage{Course: course, Assignment: a, Status: a.Status(h.s.Now()),
		Progress: progress, Done: done, CourseName: course.Title.In(lang), Summary: course.Summary.In(lang)})
}

type lessonPage struct {
	server.Page
	Course     *courses.Course
	CourseName string
	N          int
	Total      int
	LessonName string
	Body       template.HTML
	Done       bool
	Opened     int64
	Sig        string
	Error      string
}

func (h *Handler) lesson(c *fiber.Ctx) (*courses.Course, *Assignment, *courses.Lesson, error) {
	course, a, err := h.assigned(c)
	if err != nil {
		return nil, nil, nil, err
	}
	n, _ := strconv.Atoi(c.Params("n"))
	l := course.Lesson(n)
	if l == nil {
		return nil, nil, nil, fiber.ErrNotFound
	}
	return course, a, l, nil
}

func (h *Handler) showLesson(c *fiber.Ctx) error {
	course, a, l, err := h.lesson(c)
	if err != nil {
		return err
	}
	done, err := h.LessonsDone(c.UserContext(), a.ID)
	if err != nil {
		return err
	}
	_, read := done[l.Slug]
	return h.renderLesson(c, course, a, l, read, "")
}

func (h *Handler) renderLesson(c *fiber.Ctx, course *courses.Course, a *Assignment, l *courses.Lesson, read bool, msg string) error {
	lang := server.Lang(c)
	opened := h.s.Now().Unix()
	return h.s.Render(c, "lesson", &lessonPage{
		Course: course, CourseName: course.Title.In(lang), N: l.Index, Total: len(course.Lessons),
		LessonName: l.Title.In(lang), Body: lessonHTML(l, lang), Done: read,
		Opened: opened, Sig: h.timerSig(c, a.ID, l.Slug, opened), Error: msg,
	})
}

func lessonHTML(l *courses.Lesson, lang string) template.HTML {
	if html, ok := l.HTML[lang]; ok {
		return html
	}
	return l.HTML["en"]
}

// timerSig signs the moment a lesson page was shown, keyed by the session's secret CSRF token,
// so the time spent reading comes from the server's clock and cannot be forged by the page.
func (h *Handler) timerSig(c *fiber.Ctx, assignmentID int64, lesson string, opened int64) string {
	mac := hmac.New(sha256.New, []byte(server.ViewerOf(c).CSRF))
	fmt.Fprintf(mac, "lesson|%d|%s|%d", assignmentID, lesson, opened)
	return hex.EncodeToString(mac.Sum(nil))
}

// completeLesson records that the lesson was read, for how long, in which language and version;
// a lesson read faster than its minimum reading time is refused. The last part done completes
// the assignment in the same transaction.
func (h *Handler) completeLesson(c *fiber.Ctx) error {
	course, a, l, err := h.lesson(c)
	if err != nil {
		return err
	}
	ctx, now, lang := c.UserContext(), h.s.Now(), server.Lang(c)
	opened, _ := strconv.ParseInt(c.FormValue("opened"), 10, 64)
	if !hmac.Equal([]byte(c.FormValue("sig")), []byte(h.timerSig(c, a.ID, l.Slug, opened))) || opened > now.Unix() {
		return apperr.New(apperr.Invalid, "error_lesson_timer")
	}
	seconds := int(min(now.Unix()-opened, maxLessonSeconds))
	if time.Duration(seconds)*time.Second < l.MinRead {
		c.Status(fiber.StatusUnprocessableEntity)
		msg := h.s.Localizer(c).T("lesson_too_fast", "Seconds", int(l.MinRead.Seconds()))
		return h.renderLesson(c, course, a, l, false, msg)
	}
	err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row := &LessonDone{AssignmentID: a.ID, Lesson: l.Slug, CourseVersion: course.Version, Locale: lang, Seconds: seconds, CompletedAt: now}
		res, err := tx.NewInsert().Model(row).On("CONFLICT (assignment_id, lesson) DO NOTHING").Exec(ctx)
		if err != nil {
			return fmt.Errorf("record lesson %s: %w", l.Slug, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // read before: a double submit records one completion
		}
		if _, err := tx.NewUpdate().Model(a).Set("started_at = ?", now).WherePK().Where("started_at IS NULL").Exec(ctx); err != nil {
			return fmt.Errorf("start assignment %d: %w", a.ID, err)
		}
		err = h.s.Audit.Append(ctx, tx, h.s.Event(c, "lesson.complete", fmt.Sprintf("assignment:%d", a.ID),
			"course", course.Slug, "lesson", l.Slug, "version", course.Version, "locale", lang, "seconds", strconv.Itoa(seconds)))
		if err != nil {
			return err
		}
		completed, err := h.Parts.CompleteIfDone(ctx, tx, a, course, now, h.OnComplete)
		if err != nil || !completed {
			return err
		}
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "assignment.complete", fmt.Sprintf("assignment:%d", a.ID), "course", course.Slug))
	})
	if err != nil {
		return err
	}
	if next := course.Lesson(l.Index + 1); next != nil {
		return c.Redirect(fmt.Sprintf("/courses/%s/lessons/%d", course.Slug, next.Index), fiber.StatusSeeOther)
	}
	return c.Redirect("/courses/"+course.Slug, fiber.StatusSeeOther)
}
