package attest

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/people"
	"custos/app/server"
)

// listPageSize is how many signatures the admin list shows at once.
const listPageSize = 100

// listedSignature is a signature with its signer's name on record and the result of checking it.
type listedSignature struct {
	Signature `bun:",extend"`
	Name      string `bun:"person_name"`
	Problem   string // empty when the signature verifies
}

type signaturesPage struct {
	server.Page
	Signatures  []listedSignature
	Fingerprint string
	NextBefore  int64
}

// listSignatures shows admins every signature, and auditors those their grant covers, newest
// first, with its evidence and whether it verifies now against the server's public key.
func (h *Handler) listSignatures(c *fiber.Ctx) error {
	ctx := c.UserContext()
	page := &signaturesPage{Fingerprint: h.key.Fingerprint()}
	before, _ := strconv.ParseInt(c.Query("before"), 10, 64)
	q := h.s.DB.NewSelect().Model(&page.Signatures).ColumnExpr("signature.*").ColumnExpr("p.name AS person_name").
		Join("JOIN people AS p ON p.id = signature.person_id").
		OrderExpr("signature.id DESC").Limit(listPageSize)
	if before > 0 {
		q = q.Where("signature.id < ?", before)
	}
	if v := server.ViewerOf(c); v.Is(string(people.Auditor)) {
		auditor, err := people.ByID(ctx, h.s.DB, v.ID)
		if err != nil {
			return err
		}
		if len(auditor.AuditCourses) > 0 {
			q = q.Where("signature.course IN (?)", bun.In([]string(auditor.AuditCourses)))
		}
		if len(auditor.AuditDepartments) > 0 {
			q = q.Where("p.department IN (?)", bun.In([]string(auditor.AuditDepartments)))
		}
	}
	if err := q.Scan(ctx); err != nil {
		return fmt.Errorf("list signatures: %w", err)
	}
	texts := newTextCache(h.s.DB)
	for i := range page.Signatures {
		s := &page.Signatures[i]
		text, err := texts.get(ctx, s.Document, s.Version)
		if err != nil {
			return err
		}
		if err := s.Check(h.key.Public, text); err != nil {
			s.Problem = err.Error()
		}
	}
	if n := len(page.Signatures); n == listPageSize {
		page.NextBefore = page.Signatures[n-1].ID
	}
	return h.s.Render(c, "admin_signatures", page)
}
