// Package server is Custos's web shell: Fiber with its middleware (request ID, logging, security
// headers, language, limits), the error pages and the one render helper every handler uses.
package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"
	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/audit"
	"custos/app/config"
	"custos/app/db"
	"custos/locales"
	"custos/web"
)

// Server is the web side of Custos: the Fiber app and what every handler needs.
type Server struct {
	Fiber  *fiber.App
	DB     *bun.DB
	Config config.Config
	Log    *slog.Logger
	I18n   *locales.Bundle
	Now    func() time.Time
	Audit  *audit.Log

	pages   map[string]map[string]*template.Template // by language, then page
	assets  map[string]string
	navs    sync.Map // navKey → template.HTML
	uploads map[string]int
}

// DefaultBodyLimit bounds an ordinary form post; upload routes raise it with AllowUpload.
const DefaultBodyLimit = 256 << 10

// RequestTimeout bounds the database work of one request.
const RequestTimeout = 30 * time.Second

// New builds the server with its middleware; the domain packages add their routes to s.Fiber.
func New(cfg config.Config, db *bun.DB, log *slog.Logger, bundle *locales.Bundle, now func() time.Time, auditLog *audit.Log, maxBody int) (*Server, error) {
	s := &Server{DB: db, Config: cfg, Log: log, I18n: bundle, Now: now, Audit: auditLog, uploads: map[string]int{}}
	var err error
	if s.assets, err = web.AssetVersions(); err != nil {
		return nil, err
	}
	s.pages = make(map[string]map[string]*template.Template, len(locales.Supported))
	for _, lang := range locales.Supported {
		if s.pages[lang], err = web.Pages(templateFuncs, s.inline(lang)); err != nil {
			return nil, fmt.Errorf("templates in %s: %w", lang, err)
		}
	}
	s.Fiber = fiber.New(fiber.Config{
		AppName:               "custos",
		DisableStartupMessage: true,
		BodyLimit:             maxBody,
		ReadTimeout:           time.Minute,
		WriteTimeout:          5 * time.Minute,
		IdleTimeout:           2 * time.Minute,
		ErrorHandler:          s.handleError,
	})
	s.Fiber.Use(
		requestid.New(),
		recover.New(),
		s.logRequests,
		s.securityHeaders,
		s.limitBody,
		s.refuseNUL,
		s.pickLanguage,
		s.withDeadline,
	)
	s.Fiber.Get("/healthz", func(c *fiber.Ctx) error { return c.SendString("ok") })
	s.Fiber.Get("/readyz", s.ready)
	s.Fiber.Get("/static/*", s.static)
	return s, nil
}

// Finish adds the routes that must come last: the 404 page for everything no route took.
func (s *Server) Finish() {
	s.Fiber.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

func (s *Server) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.DB.PingContext(ctx); err != nil {
		s.Log.Warn("readiness check failed", "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("database unreachable")
	}
	return c.SendString("ready")
}

func (s *Server) withDeadline(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(context.Background(), RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

// logRequests writes one structured line per request. Only the path is logged, never the query
// or headers, which may carry tokens; slog quotes values, so a newline cannot forge a line.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	status := c.Response().StatusCode()
	if err != nil {
		if code := statusOf(err); code > status || status == http.StatusOK {
			status = code
		}
	}
	s.Log.Info("request",
		"id", RequestID(c),
		"method", c.Method(),
		"path", c.Path(),
		"status", status,
		"ms", time.Since(start).Milliseconds(),
	)
	return err
}

// RequestID returns the ID the requestid middleware gave this request.
func RequestID(c *fiber.Ctx) string {
	id, _ := c.Locals("requestid").(string)
	return id
}

func (s *Server) securityHeaders(c *fiber.Ctx) error {
	s.setSecurityHeaders(c)
	return c.Next()
}

// setSecurityHeaders is the middleware's work. handleError calls it too: fasthttp hands a request
// it refused itself (a body over Fiber's limit) straight to the error handler, past every
// middleware.
func (s *Server) setSecurityHeaders(c *fiber.Ctx) {
	h := func(k, v string) { c.Set(k, v) }
	h("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
	h("X-Content-Type-Options", "nosniff")
	h("Referrer-Policy", "same-origin")
	h("X-Frame-Options", "DENY")
	h("Cross-Origin-Opener-Policy", "same-origin")
	h("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	if s.Config.Secure() {
		h("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

// limitBody refuses a body above DefaultBodyLimit, or above what AllowUpload granted the path.
// Fiber's own limit is the largest upload, so this is where ordinary forms get their bound.
func (s *Server) limitBody(c *fiber.Ctx) error {
	max := DefaultBodyLimit
	if m, ok := s.uploads[c.Path()]; ok {
		max = m
	}
	if len(c.Request().Body()) > max {
		return apperr.New(apperr.TooLarge, "error_body_too_large")
	}
	return c.Next()
}

// refuseNUL answers 400 to a request with a NUL byte in its query, form fields or headers. No
// person types one, and the database refuses it (bun will not quote it, PostgreSQL text cannot
// hold it), so it would otherwise reach a query and become a 500 and an error in the log, at the
// will of anyone who can reach the sign-in form.
func (s *Server) refuseNUL(c *fiber.Ctx) error {
	bad := false
	check := func(k, v []byte) { bad = bad || bytes.IndexByte(k, 0) >= 0 || bytes.IndexByte(v, 0) >= 0 }
	req := c.Request()
	req.URI().QueryArgs().VisitAll(check)
	req.Header.VisitAll(check)
	switch ct := string(req.Header.ContentType()); {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		req.PostArgs().VisitAll(check)
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		if form, err := c.MultipartForm(); err == nil {
			for k, vs := range form.Value {
				for _, v := range vs {
					check([]byte(k), []byte(v))
				}
			}
		}
	}
	if bad {
		return fiber.ErrBadRequest
	}
	return c.Next()
}

// AllowUpload lets POST and PUT requests to path carry up to max bytes.
func (s *Server) AllowUpload(path string, max int) { s.uploads[path] = max }

func statusOf(err error) int {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fe.Code
	}
	switch apperr.CodeOf(err) {
	case apperr.Invalid:
		return fiber.StatusUnprocessableEntity
	case apperr.NotFound:
		return fiber.StatusNotFound
	case apperr.Conflict:
		return fiber.StatusConflict
	case apperr.Unauthorized:
		return fiber.StatusUnauthorized
	case apperr.Forbidden:
		return fiber.StatusForbidden
	case apperr.TooMany:
		return fiber.StatusTooManyRequests
	case apperr.TooLarge:
		return fiber.StatusRequestEntityTooLarge
	}
	return fiber.StatusInternalServerError
}

// handleError is the one place errors become responses: JSON under /api, an error page
// elsewhere. Only internal errors are logged, and no error shows a stack or SQL.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	s.setSecurityHeaders(c)
	status := statusOf(err)
	key := "error_internal"
	var args map[string]any
	if e, ok := apperr.As(err); ok && status != fiber.StatusInternalServerError {
		key, args = e.Key, e.Args
	} else if status != fiber.StatusInternalServerError {
		key = map[int]string{
			fiber.StatusNotFound:              "error_not_found",
			fiber.StatusMethodNotAllowed:      "error_not_found",
			fiber.StatusRequestEntityTooLarge: "error_body_too_large",
			fiber.StatusForbidden:             "error_forbidden",
			fiber.StatusTooManyRequests:       "error_too_many",
		}[status]
		if key == "" {
			key = "error_bad_request"
		}
	}
	if status == fiber.StatusInternalServerError {
		s.Log.Error("request failed", "id", RequestID(c), "path", c.Path(), "err", err)
	}
	l := s.Localizer(c)
	msg := l.TMap(key, args)
	c.Status(status)
	if strings.HasPrefix(c.Path(), "/api/") {
		return c.JSON(fiber.Map{"error": msg})
	}
	if status == fiber.StatusUnauthorized {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	return s.Render(c, "error", &ErrorPage{Status: status, Message: msg})
}

// ErrorPage is the data of the error page.
type ErrorPage struct {
	Page
	Status  int
	Message string
}

// Event describes an audit event done by this request's viewer (or nobody, before sign-in) from
// this request's address. details come in name, value pairs.
func (s *Server) Event(c *fiber.Ctx, action, subject string, details ...string) audit.Entry {
	e := audit.Entry{At: s.Now(), Actor: "anonymous", Action: action, Subject: subject, IP: c.IP()}
	if v := ViewerOf(c); v != nil {
		e.ActorID, e.Actor = v.ID, v.Email
	}
	if len(details) > 0 {
		e.Details = make(map[string]string, len(details)/2)
		for i := 0; i+1 < len(details); i += 2 {
			e.Details[details[i]] = details[i+1]
		}
	}
	return e
}

// RateLimit refuses a client address more than limit requests per window on the routes it
// guards (429 with a localized message), counting in the database so instances share it.
func (s *Server) RateLimit(name string, limit int, window time.Duration) fiber.Handler {
	return func(c *fiber.Ctx) error {
		n, err := db.Hit(c.UserContext(), s.DB, name+":"+c.IP(), window, s.Now())
		if err != nil {
			return err
		}
		if n > limit {
			c.Set(fiber.HeaderRetryAfter, fmt.Sprint(int(window.Seconds())))
			return apperr.New(apperr.TooMany, "error_too_many")
		}
		return c.Next()
	}
}
