package reports

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"custos/app/server"
)

// StreamTimeout bounds the database work of one streamed download. A stream outlives its
// request's deadline, which ends when the handler returns and the body starts to flow.
const StreamTimeout = 15 * time.Minute

// prepare checks who asks and what for, and records the download in the audit log before a
// byte is generated: bad input is refused with a translated message and nothing is made.
func (h *Handler) prepare(c *fiber.Ctx, format string) (Completion, error) {
	ctx := c.UserContext()
	scope, err := ScopeFor(ctx, h.s.DB, server.ViewerOf(c))
	if err != nil {
		return Completion{}, err
	}
	now := h.s.Now()
	f, err := ParseFilter(ctx, h.s.DB, h.cat, scope, c, now)
	if err != nil {
		return Completion{}, err
	}
	details := append([]string{"format", format, "scope", scope.Describe()}, f.Args()...)
	err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "report.download", "report:completion", details...))
	})
	if err != nil {
		return Completion{}, err
	}
	return Completion{DB: h.s.DB, Now: now, Scope: scope, Filter: f}, nil
}

func fileName(now time.Time, ext string) string {
	return "completion-" + now.Format("2006-01-02") + "." + ext
}

// stream sends the body that write produces as it is produced (chunked), after the handler has
// returned. A failure half-way cannot change the status any more: it is logged, and the body
// ends early, which the reader sees as a truncated download.
func (h *Handler) stream(c *fiber.Ctx, what string, write func(ctx context.Context, w io.Writer) error) {
	log, id := h.s.Log, server.RequestID(c)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), StreamTimeout)
		defer cancel()
		if err := write(ctx, w); err != nil { // w can Flush: each page of rows is pushed out
			log.Error("report download failed", slog.String("id", id), slog.String("report", what), slog.Any("err", err))
			return
		}
		w.Flush()
	})
}

func (h *Handler) downloadCSV(c *fiber.Ctx) error {
	rep, err := h.prepare(c, "csv")
	if err != nil {
		return err
	}
	attachment(c, "text/csv; charset=utf-8", fileName(rep.Now, "csv"))
	h.stream(c, "csv", rep.WriteCSV)
	return nil
}

func (h *Handler) downloadXLSX(c *fiber.Ctx) error {
	rep, err := h.prepare(c, "xlsx")
	if err != nil {
		return err
	}
	l := h.s.Localizer(c)
	attachment(c, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", fileName(rep.Now, "xlsx"))
	h.stream(c, "xlsx", func(ctx context.Context, w io.Writer) error { return rep.WriteXLSX(ctx, w, l) })
	return nil
}

// downloadPDF lays the whole document out before sending it (a PDF's page count is printed on
// every page), within the request's deadline; its row listing is bounded (MaxPDFRows).
func (h *Handler) downloadPDF(c *fiber.Ctx) error {
	rep, err := h.prepare(c, "pdf")
	if err != nil {
		return err
	}
	v := server.ViewerOf(c)
	var buf bytes.Buffer
	err = rep.WritePDF(c.UserContext(), &buf, PDFOptions{Renderer: h.renderer, Catalog: h.cat, L: h.s.Localizer(c),
		Org: h.s.Config.OrgName, By: v.Name + " <" + v.Email + ">"})
	if err != nil {
		return err
	}
	attachment(c, "application/pdf", fileName(rep.Now, "pdf"))
	return c.Send(buf.Bytes())
}
