// Package reports is what managers, auditors and admins read about training: the team page and
// the completion report as CSV, XLSX and PDF. Everyone reads only their scope: a manager their
// team (everyone below them in the manager chain), an auditor the courses and departments they
// were granted, an admin everyone. Nothing here writes anything but audit records.
//
// Auditors change nothing: every write route outside this package is closed to them by its own
// role check (the admin pages, revocation, quiz grants), and a test walks every write route to
// keep it so. The one exception is deliberate: an auditor who is also assigned training (the
// scheduler assigns courses whose scope takes in every role) reads the lessons, takes the quiz
// and signs the undertaking of their own assignments like anyone else. That writes only their
// own training record, which is what their own compliance needs, and no data under audit.
package reports

import (
	"github.com/gofiber/fiber/v2"

	"custos/app/auth"
	"custos/app/people"
	"custos/app/server"
	"custos/certificates"
	"custos/courses"
)

// Handler serves the team page and the report downloads.
type Handler struct {
	s        *server.Server
	cat      *courses.Catalog
	renderer *certificates.Renderer
}

// Routes adds GET /team and GET /reports/completion.{csv,xlsx,pdf}. Employees are refused
// (403); managers, auditors and admins read their scope.
func Routes(s *server.Server, cat *courses.Catalog, renderer *certificates.Renderer) {
	h := &Handler{s: s, cat: cat, renderer: renderer}
	readers := auth.RequireRole(people.Manager, people.Auditor, people.Admin)
	s.Fiber.Get("/team", readers, h.showTeam)
	s.Fiber.Get("/reports/completion.csv", readers, h.downloadCSV)
	s.Fiber.Get("/reports/completion.xlsx", readers, h.downloadXLSX)
	s.Fiber.Get("/reports/completion.pdf", readers, h.downloadPDF)
}

// attachment sets the headers of a file download.
func attachment(c *fiber.Ctx, contentType, name string) {
	c.Set(fiber.HeaderContentType, contentType)
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
}
