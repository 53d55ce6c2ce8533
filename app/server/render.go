package server

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"custos/locales"
	"custos/web"
)

// Viewer is the signed-in person as the pages need them; the auth middleware sets it.
type Viewer struct {
	ID        int64
	Name      string
	Email     string
	Role      string
	Locale    string
	SessionID int64
	CSRF      string
}

// Is reports whether the viewer has one of roles.
func (v *Viewer) Is(roles ...string) bool {
	if v == nil {
		return false
	}
	for _, r := range roles {
		if v.Role == r {
			return true
		}
	}
	return false
}

const (
	viewerKey = "custos.viewer"
	langKey   = "custos.lang"
	csrfKey   = "custos.csrf"
)

// SetViewer records who is signed in for the rest of the request.
func SetViewer(c *fiber.Ctx, v *Viewer) { c.Locals(viewerKey, v) }

// ViewerOf returns the signed-in person, or nil.
func ViewerOf(c *fiber.Ctx) *Viewer {
	v, _ := c.Locals(viewerKey).(*Viewer)
	return v
}

// SetCSRF records the token forms of this response must carry.
func SetCSRF(c *fiber.Ctx, token string) { c.Locals(csrfKey, token) }

// Page is what every page template gets: the translator, the viewer, the CSRF token and the
// pieces of the layout. Page data structs embed it.
type Page struct {
	L      *locales.Localizer
	Viewer *Viewer
	CSRF   string
	Path   string
	Lang   string
	Title  string
	Notice string        // a translated one-line message shown above the content
	Nav    template.HTML // the header's navigation, which Render fills in
	Now    time.Time     // the moment of rendering, for "overdue by" and the like
	// MailOff is set when no SMTP server is configured: e-mails only go to the log, and admins
	// must see that.
	MailOff bool
	// Data is the page's own data, which its "title" and "content" templates get. The layout
	// gets the Page itself: html/template finds a field of an embedded struct by a slow
	// reflective search on every use, and the layout uses a dozen.
	Data   Pager
	assets map[string]string
	tz     *time.Location
}

func (p *Page) page() *Page { return p }

// T translates a message id for the template; args come in name, value pairs.
func (p *Page) T(id string, args ...any) string { return p.L.T(id, args...) }

// Date formats a day for the viewer's language.
func (p *Page) Date(t time.Time) string { return p.L.Date(t.In(p.tz)) }

// DateTime formats an instant in the viewer's time zone.
func (p *Page) DateTime(t time.Time) string { return p.L.DateTime(t, p.tz) }

// Asset returns the URL of a static file with its content version.
func (p *Page) Asset(name string) string { return "/static/" + name + "?v=" + p.assets[name] }

// LangURL returns the current page's URL in another language. It is a query alone, which the
// browser resolves against the current page: repeating the path would print whatever was asked
// for, and a request for //evil.example would get a 404 page linking off-site.
func (p *Page) LangURL(lang string) string { return "?lang=" + lang }

// Pager is implemented by every page data struct through its embedded Page.
type Pager interface{ page() *Page }

var templateFuncs = template.FuncMap{
	"add": func(a, b int) int { return a + b },
	"deref_time": func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	},
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"percent": func(part, whole int) int {
		if whole == 0 {
			return 0
		}
		return part * 100 / whole
	},
}

// staticAction matches the template actions whose output depends only on the language: a
// message without arguments, a static file's URL, the link to the page in another language.
var staticAction = regexp.MustCompile(`\{\{\s*\$?\.(T|Asset|LangURL)\s+"([^"]+)"\s*\}\}`)

// braces keeps a message that contains "{{" from being read as a template action.
var braces = strings.NewReplacer("{", "&#123;", "}", "&#125;")

// inline returns a rewrite of template text that puts in what the static actions print in lang,
// escaped for HTML. html/template calls a method through reflection for every {{.T "…"}}, and
// those calls were most of the cost of rendering a page; the templates are parsed once per
// language instead.
func (s *Server) inline(lang string) func(string) (string, error) {
	p := &Page{L: s.I18n.For(lang), assets: s.assets}
	return func(src string) (string, error) {
		var err error
		out := staticAction.ReplaceAllStringFunc(src, func(action string) string {
			m := staticAction.FindStringSubmatch(action)
			var text string
			switch m[1] {
			case "T":
				if text = p.T(m[2]); text == m[2] {
					err = fmt.Errorf("no message %q", m[2])
				}
			case "Asset":
				if _, ok := s.assets[m[2]]; !ok {
					err = fmt.Errorf("no static file %q", m[2])
				}
				text = p.Asset(m[2])
			case "LangURL":
				text = p.LangURL(m[2])
			}
			return braces.Replace(template.HTMLEscapeString(text))
		})
		return out, err
	}
}

// Render fills data's Page and writes the named page template as HTML.
func (s *Server) Render(c *fiber.Ctx, name string, data Pager) error {
	p := data.page()
	p.L = s.Localizer(c)
	t, ok := s.pages[p.L.Lang][name]
	if !ok {
		return fmt.Errorf("render: no page template %q", name)
	}
	p.Lang = p.L.Lang
	p.Viewer = ViewerOf(c)
	p.CSRF, _ = c.Locals(csrfKey).(string)
	p.Path = c.Path()
	p.assets = s.assets
	p.tz = s.timeZone(c)
	p.Now = s.Now()
	p.MailOff = s.Config.SMTPURL == ""
	var err error
	if p.Nav, err = s.nav(t, p); err != nil {
		return err
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer renderBuffers.Put(buf)
	buf.Reset()
	p.Data = data
	if err := t.ExecuteTemplate(buf, "layout", p); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Response().SetBody(buf.Bytes()) // a copy: c.Send would keep buf, which goes back to the pool
	return nil
}

// renderBuffers keeps the buffers pages are rendered into, which would otherwise grow from
// nothing to a page's size, and be garbage, on every request.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// navKey is everything the header's navigation depends on.
type navKey struct {
	lang, role string // role is "" for someone not signed in
	home       bool
}

// nav returns the header's navigation for p, rendered once per language, role and whether p is
// my training: it is the same on most pages and takes a dozen template actions to work out.
func (s *Server) nav(t *template.Template, p *Page) (template.HTML, error) {
	k := navKey{lang: p.Lang, home: p.Path == "/"}
	var v *Viewer
	if p.Viewer != nil {
		k.role = p.Viewer.Role
		v = &Viewer{Role: k.role}
	}
	if h, ok := s.navs.Load(k); ok {
		return h.(template.HTML), nil
	}
	// Rendered from the key alone, so nothing of one viewer can reach another's page.
	key := &Page{L: p.L, Lang: k.lang, Viewer: v}
	if k.home {
		key.Path = "/"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "nav", key); err != nil {
		return "", fmt.Errorf("render the navigation: %w", err)
	}
	h := template.HTML(buf.String())
	s.navs.Store(k, h)
	return h, nil
}

func (s *Server) timeZone(c *fiber.Ctx) *time.Location {
	if tz, ok := c.Locals("custos.tz").(*time.Location); ok {
		return tz
	}
	return time.UTC
}

// SetTimeZone records the viewer's time zone for dates on this response.
func SetTimeZone(c *fiber.Ctx, loc *time.Location) { c.Locals("custos.tz", loc) }

// Localizer returns the translator for this request's language.
func (s *Server) Localizer(c *fiber.Ctx) *locales.Localizer {
	return s.I18n.For(Lang(c))
}

// Lang is the request's language: ?lang=, then the lang cookie (set by an earlier ?lang=), then
// the signed-in person's setting, then Accept-Language.
func Lang(c *fiber.Ctx) string {
	if l, ok := c.Locals(langKey).(string); ok {
		return l
	}
	if v := ViewerOf(c); v != nil && v.Locale != "" {
		return v.Locale
	}
	return locales.FromAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage))
}

// pickLanguage honours an explicit choice: ?lang= (remembered in a cookie) or the cookie.
// The person's own setting and Accept-Language are read later, in Lang, once the session is known.
func (s *Server) pickLanguage(c *fiber.Ctx) error {
	if q := c.Query("lang"); q != "" {
		if l, ok := locales.Normalize(q); ok {
			c.Locals(langKey, l)
			c.Cookie(&fiber.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
				HTTPOnly: true, Secure: s.Config.Secure(), SameSite: "Lax"})
		}
	} else if l, ok := locales.Normalize(c.Cookies("lang")); ok {
		c.Locals(langKey, l)
	}
	return c.Next()
}

// static serves the embedded files; URLs carry a content version, so they may be cached long.
func (s *Server) static(c *fiber.Ctx) error {
	name := path.Clean(c.Params("*"))
	data, err := fs.ReadFile(web.Static(), strings.TrimPrefix(name, "/"))
	if err != nil {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, mime.TypeByExtension(path.Ext(name)))
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Send(data)
}
