// Package training is the training cycle: assignments, lesson progress, quiz attempts and the
// certificates they lead to, and the "my training" page.
package training

import (
	"github.com/gofiber/fiber/v2"

	"custos/app/auth"
	"custos/app/server"
)

// Handler serves the training pages.
type Handler struct {
	s *server.Server
}

// Routes adds the training pages.
func Routes(s *server.Server) {
	h := &Handler{s: s}
	s.Fiber.Get("/", auth.RequireSignIn, h.showHome)
}

type homePage struct {
	server.Page
}

func (h *Handler) showHome(c *fiber.Ctx) error {
	return h.s.Render(c, "home", &homePage{})
}
