package auth

import (
	"context"
	"encoding/base64"
	"math"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/db"
	"custos/app/people"
	"custos/app/server"
)

// Handler holds sign-in's routes and middleware.
type Handler struct {
	s      *server.Server
	lookup *db.Statement // the session behind a cookie
}

const sessionKey = "custos.session"

// New returns the sign-in handler; Routes adds its pages.
func New(s *server.Server) *Handler { return &Handler{s: s, lookup: sessionLookup(s.DB)} }

// Routes adds /login and /logout.
func (h *Handler) Routes(r fiber.Router) {
	r.Get("/login", h.showLogin)
	r.Post("/login", h.login)
	r.Post("/logout", h.logout)
}

// cookieName carries the __Host- prefix over HTTPS, which binds the cookie to this exact host
// and path and requires Secure.
func (h *Handler) cookieName() string { return h.prefixed("custos_session") }

// formCookieName is the cookie with the sign-in form's token, for a visitor without a session.
func (h *Handler) formCookieName() string { return h.prefixed("custos_signin") }

func (h *Handler) prefixed(name string) string {
	if h.s.Config.Secure() {
		return "__Host-" + name
	}
	return name
}

func (h *Handler) setCookie(c *fiber.Ctx, token string, maxAge time.Duration) {
	h.setNamedCookie(c, h.cookieName(), token, maxAge)
}

// setNamedCookie sets a cookie for maxAge, or deletes it when maxAge is not positive.
func (h *Handler) setNamedCookie(c *fiber.Ctx, name, value string, maxAge time.Duration) {
	ck := &fiber.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true, Secure: h.s.Config.Secure(),
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: int(maxAge.Seconds())}
	if maxAge <= 0 {
		// Fiber writes no Max-Age that is not positive, which would leave an empty cookie
		// behind; an expiry in the past deletes it.
		ck.MaxAge, ck.Expires = 0, time.Unix(0, 0)
	}
	c.Cookie(ck)
}

// Load is middleware that finds the request's session and, when it is signed in and the person
// is still current, makes them the viewer.
func (h *Handler) Load(c *fiber.Ctx) error {
	token := c.Cookies(h.cookieName())
	if token == "" {
		return c.Next()
	}
	ctx, now := c.UserContext(), h.s.Now()
	sess, ok, err := h.sessionByToken(ctx, token, now)
	if err != nil {
		return err
	}
	if !ok {
		h.setCookie(c, "", -time.Second)
		return c.Next()
	}
	if sess.PersonID != nil {
		p := sess.Person
		if p == nil || !p.Current(now) {
			if err := EndSessions(ctx, h.s.DB, *sess.PersonID); err != nil {
				return err
			}
			h.setCookie(c, "", -time.Second)
			return c.Next()
		}
		server.SetViewer(c, &server.Viewer{ID: p.ID, Name: p.Name, Email: p.Email, Role: string(p.Role),
			Locale: p.Locale, SessionID: sess.ID, CSRF: sess.CSRFToken})
		server.SetTimeZone(c, p.Location())
	}
	if err := touch(ctx, h.s.DB, sess, now); err != nil {
		return err
	}
	c.Locals(sessionKey, sess)
	server.SetCSRF(c, sess.CSRFToken)
	return c.Next()
}

// CheckCSRF refuses a state-changing request whose _csrf field (or X-CSRF-Token header) does not
// match its session's token, or, for the sign-in form sent without a session, the token of its
// cookie; other requests without a session are sent to sign in. The API, which takes bearer
// tokens and no cookies, is exempt.
func (h *Handler) CheckCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if strings.HasPrefix(c.Path(), "/api/") {
		return c.Next()
	}
	var want string
	switch sess, ok := c.Locals(sessionKey).(*Session); {
	case ok:
		want = sess.CSRFToken
	case c.Path() == "/login":
		want = c.Cookies(h.formCookieName())
	default:
		// Without a session there is nothing to do but sign in (also after a session ended
		// while a form was open), and no handler runs.
		return apperr.New(apperr.Unauthorized, "error_sign_in")
	}
	given := c.FormValue("_csrf")
	if given == "" {
		given = c.Get("X-CSRF-Token")
	}
	if !sameToken(given, want) {
		return apperr.New(apperr.Forbidden, "error_csrf")
	}
	return c.Next()
}

// formToken gives the sign-in form of a visitor without a session its token: a random value in a
// cookie that the form repeats (a double-submit token, which a cross-site form cannot read and
// the Lax cookie does not accompany). Nothing is stored, so opening the sign-in page costs the
// database nothing.
func (h *Handler) formToken(c *fiber.Ctx) {
	if c.Locals(sessionKey) != nil {
		return // the session's own token serves
	}
	token := utils.CopyString(c.Cookies(h.formCookieName()))
	if len(token) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		token = randomToken()
		h.setNamedCookie(c, h.formCookieName(), token, signInFormLifetime)
	}
	server.SetCSRF(c, token)
}

type loginPage struct {
	server.Page
	Email string
	Error string
}

func (h *Handler) showLogin(c *fiber.Ctx) error {
	if server.ViewerOf(c) != nil {
		return c.Redirect("/", fiber.StatusSeeOther)
	}
	h.formToken(c)
	return h.s.Render(c, "login", &loginPage{})
}

// login checks the password, and on success replaces the session (a new ID, so a session fixed
// before sign-in is worthless) and records the event. Unknown addresses and wrong passwords get
// the same message and take the same time.
func (h *Handler) login(c *fiber.Ctx) error {
	ctx, now, l := c.UserContext(), h.s.Now(), h.s.Localizer(c)
	h.formToken(c) // for the form shown again after a failure
	email := people.NormalizeEmail(utils.CopyString(c.FormValue("email")))
	password := c.FormValue("password")
	ip := utils.CopyString(c.IP())
	accountKey, addressKey := throttleKeys(email, ip)

	until, err := blockedUntil(ctx, h.s.DB, now, accountKey, addressKey)
	if err != nil {
		return err
	}
	if !until.IsZero() {
		minutes := int(math.Ceil(until.Sub(now).Minutes())) // a 15-minute block says 15, not 16
		c.Status(fiber.StatusTooManyRequests)
		return h.s.Render(c, "login", &loginPage{Email: email, Error: l.T("login_throttled", "Minutes", minutes)})
	}

	p, err := people.ByEmail(ctx, h.s.DB, email)
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return err
	}
	hash := ""
	if p != nil {
		hash = p.PasswordHash
	}
	good := CheckPassword(password, hash) && p != nil && p.Current(now)
	if !good {
		err := h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if err := recordFailure(ctx, tx, accountKey, accountFreeFailures, now); err != nil {
				return err
			}
			if err := recordFailure(ctx, tx, addressKey, addressFreeFailures, now); err != nil {
				return err
			}
			return h.s.Audit.Append(ctx, tx, h.s.Event(c, "signin.failure", "email:"+email))
		})
		if err != nil {
			return err
		}
		c.Status(fiber.StatusUnauthorized)
		return h.s.Render(c, "login", &loginPage{Email: email, Error: l.T("login_failed")})
	}

	var token string
	err = h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if old, ok := c.Locals(sessionKey).(*Session); ok {
			if _, err := tx.NewDelete().Model(old).WherePK().Exec(ctx); err != nil {
				return err
			}
		}
		var err error
		if _, token, err = createSession(ctx, tx, p.ID, "password", ip, c.Get(fiber.HeaderUserAgent), now, h.s.Config.SessionLifetime); err != nil {
			return err
		}
		if err := clearFailures(ctx, tx, accountKey); err != nil {
			return err
		}
		server.SetViewer(c, &server.Viewer{ID: p.ID, Email: p.Email, Name: p.Name, Role: string(p.Role)})
		return h.s.Audit.Append(ctx, tx, h.s.Event(c, "signin.success", people.Subject(p.ID), "method", "password"))
	})
	if err != nil {
		return err
	}
	h.setCookie(c, token, h.s.Config.SessionLifetime)
	h.setNamedCookie(c, h.formCookieName(), "", -time.Second)
	return c.Redirect("/", fiber.StatusSeeOther)
}

func (h *Handler) logout(c *fiber.Ctx) error {
	ctx := c.UserContext()
	sess, _ := c.Locals(sessionKey).(*Session)
	err := h.s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if sess == nil {
			return nil
		}
		if _, err := tx.NewDelete().Model(sess).WherePK().Exec(ctx); err != nil {
			return err
		}
		if v := server.ViewerOf(c); v != nil {
			return h.s.Audit.Append(ctx, tx, h.s.Event(c, "signout", people.Subject(v.ID)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	h.setCookie(c, "", -time.Second)
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// RequireSignIn sends visitors who are not signed in to the sign-in page.
func RequireSignIn(c *fiber.Ctx) error {
	if server.ViewerOf(c) == nil {
		return apperr.New(apperr.Unauthorized, "error_sign_in")
	}
	return c.Next()
}

// RequireRole lets only people with one of roles through; others are refused with 403.
func RequireRole(roles ...people.Role) fiber.Handler {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return func(c *fiber.Ctx) error {
		v := server.ViewerOf(c)
		if v == nil {
			return apperr.New(apperr.Unauthorized, "error_sign_in")
		}
		if !v.Is(names...) {
			return apperr.New(apperr.Forbidden, "error_forbidden")
		}
		return c.Next()
	}
}
