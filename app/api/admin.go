package api

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/uptrace/bun"

	"custos/app/auth"
	"custos/app/people"
	"custos/app/server"
)

// AdminRoutes adds the admins' token page: list, create (the secret is shown once), revoke.
func (h *Handler) AdminRoutes() {
	g := h.s.Fiber.Group("/admin/tokens", auth.RequireRole(people.Admin))
	g.Get("/", h.showTokens)
	g.Post("/", h.createToken)
	g.Post("/:id<int>/revoke", h.revokeToken)
}

type tokensPage struct {
	server.Page
	Tokens []Token
	Secret string // the token just created, shown this once
	Error  string
	Email  string
}

func (h *Handler) renderTokens(c *fiber.Ctx, page *tokensPage) error {
	var err error
	if page.Tokens, err = Tokens(c.UserContext(), h.s.DB, 0); err != nil {
		return err
	}
	return h.s.Render(c, "admin_tokens", page)
}

func (h *Handler) showTokens(c *fiber.Ctx) error { return h.renderTokens(c, &tokensPage{}) }

// createToken makes a token for the person named by e-mail address; the page shows the secret
// once and Custos keeps only its hash.
func (h *Handler) createToken(c *fiber.Ctx) error {
	ctx, l := c.UserContext(), h.s.Localizer(c)
	email := utils.CopyString(c.FormValue("email"))
	name := utils.CopyString(c.FormValue("name"))
	p, err := people.ByEmail(ctx, h.s.DB, email)
	if err != nil || !p.Current(h.s.Now()) {
		c.Status(fiber.StatusUnprocessableEntity)
		return h.renderTokens(c, &tokensPage{Error: l.T("api_token_no_person", "Email", email), Email: email})
	}
	var secret string
	err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		t, s, err := CreateToken(ctx, tx, p.ID, name, h.s.Now())
		if err != nil {
			return err
		}
		secret = s
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "token.create", "token:"+strconv.FormatInt(t.ID, 10),
			"owner", p.Email, "name", t.Name, "prefix", t.Prefix))
	})
	if err != nil {
		return err
	}
	return h.renderTokens(c, &tokensPage{Secret: secret})
}

func (h *Handler) revokeToken(c *fiber.Ctx) error {
	id, _ := strconv.ParseInt(c.Params("id"), 10, 64)
	err := h.s.DB.RunInTx(c.UserContext(), nil, func(ctx context.Context, tx bun.Tx) error {
		t, err := RevokeToken(ctx, tx, id, h.s.Now())
		if err != nil {
			return err
		}
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "token.revoke", "token:"+strconv.FormatInt(t.ID, 10), "prefix", t.Prefix))
	})
	if err != nil {
		return err
	}
	return c.Redirect("/admin/tokens", fiber.StatusSeeOther)
}
