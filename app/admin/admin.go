// Package admin is the administrators' side of Custos: people, roles and managers, the HR import
// in the browser, and the audit log (which auditors may read too).
package admin

import (
	"github.com/gofiber/fiber/v2"

	"custos/app/auth"
	"custos/app/people"
	"custos/app/server"
)

// Handler serves the admin pages.
type Handler struct {
	s *server.Server
}

// Routes adds the admin pages under /admin.
func Routes(s *server.Server) {
	h := &Handler{s: s}
	s.AllowUpload("/admin/people/import", people.MaxImportBytes+64<<10)
	admins := s.Fiber.Group("/admin/people", auth.RequireRole(people.Admin))
	admins.Get("/", h.listPeople)
	admins.Get("/new", h.newPerson)
	admins.Post("/", h.createPerson)
	admins.Get("/import", h.showImport)
	admins.Post("/import", h.importPeople)
	admins.Get("/:id<int>", h.editPerson)
	admins.Post("/:id<int>", h.updatePerson)
	admins.Post("/:id<int>/active", h.setActive)

	s.Fiber.Get("/admin/audit", auth.RequireRole(people.Admin, people.Auditor), h.showAudit)
}

func formValue(c *fiber.Ctx, name string) string {
	return string([]byte(c.FormValue(name))) // copied: Fiber reuses the request buffer
}
