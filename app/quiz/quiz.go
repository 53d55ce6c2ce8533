// Package quiz is the quiz part of a course: attempts drawn from the course's bank, scored on
// the server, limited in number and time, stored as evidence, and the administrators' grants of
// extra attempts.
package quiz

import (
	"context"
	"crypto/rand"
	"fmt"
	mrand "math/rand/v2"

	"github.com/gofiber/fiber/v2"

	"custos/app/auth"
	"custos/app/people"
	"custos/app/server"
	"custos/app/training"
	"custos/courses"
)

// Handler serves the quiz pages.
type Handler struct {
	s   *server.Server
	cat *courses.Catalog
	// training completes the assignment when a pass is the last part done; its Parts and
	// OnComplete are read at request time, so wiring done after Routes still counts.
	training *training.Handler
}

// Routes adds the quiz pages and the administrators' grant page. th is the training handler
// whose Parts and OnComplete complete an assignment.
func Routes(s *server.Server, cat *courses.Catalog, th *training.Handler) {
	h := &Handler{s: s, cat: cat, training: th}
	r := s.Fiber
	r.Get("/courses/:slug/quiz", auth.RequireSignIn, h.showQuiz)
	r.Post("/courses/:slug/quiz/start", auth.RequireSignIn, h.startAttempt)
	r.Post("/courses/:slug/quiz", auth.RequireSignIn, h.submitAttempt)
	r.Get("/courses/:slug/quiz/attempts/:id<int>", auth.RequireSignIn, h.showResult)
	admins := auth.RequireRole(people.Admin)
	r.Get("/admin/quiz", admins, h.showAdmin)
	r.Post("/admin/quiz/grants", admins, h.grant)
}

// assigned loads the course (which must have a quiz) and the viewer's current assignment of it;
// either missing is 404.
func (h *Handler) assigned(c *fiber.Ctx) (*courses.Course, *training.Assignment, error) {
	course := h.cat.Get(c.Params("slug"))
	if course == nil || !course.HasQuiz() {
		return nil, nil, fiber.ErrNotFound
	}
	a, err := h.training.Current(c.UserContext(), server.ViewerOf(c).ID, course.Slug)
	if err != nil {
		return nil, nil, err
	}
	return course, a, nil
}

// lessonsRead reports whether every lesson of the course has been read, which unlocks the quiz.
func (h *Handler) lessonsRead(ctx context.Context, a *training.Assignment, course *courses.Course) (bool, error) {
	done, err := h.training.LessonsDone(ctx, a.ID)
	if err != nil {
		return false, err
	}
	for _, slug := range course.LessonSlugs() {
		if _, ok := done[slug]; !ok {
			return false, nil
		}
	}
	return true, nil
}

// newRand returns a generator seeded from the operating system, so nobody can predict a draw.
func newRand() *mrand.Rand {
	var seed [32]byte
	rand.Read(seed[:])
	return mrand.New(mrand.NewChaCha8(seed))
}

func subject(a *training.Assignment) string { return fmt.Sprintf("assignment:%d", a.ID) }
