package courses

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"custos/quizzes/tomlpos"
)

// newMarkdown returns the renderer for all content. Raw HTML is left out of the output
// by goldmark's default (no html.WithUnsafe); checkMarkdown also rejects it outright,
// because an author who writes HTML expects it to appear and should hear that it won't.
func newMarkdown() goldmark.Markdown {
	return goldmark.New(goldmark.WithExtensions(extension.GFM))
}

// page is one rendered Markdown file.
type page struct {
	Title       string
	HTML        template.HTML
	MinRead     time.Duration
	MinReadLine int // line of min_read in front matter; 0 when there is none
}

// markdown validates and renders one Markdown file, reporting problems to l. Front
// matter (TOML between +++ lines) is read only when allowFrontMatter is set.
func (l *loader) markdown(file string, data []byte, allowFrontMatter bool) (page, bool) {
	before := len(l.problems)
	var p page
	if !utf8.Valid(data) {
		l.add(file, lineOfOffset(data, invalidUTF8At(data)), "not valid UTF-8; save the file as UTF-8")
		return p, false
	}
	// A byte-order mark from a Windows editor would hide front matter and the first heading.
	body, offset := bytes.TrimPrefix(data, []byte("\ufeff")), 0
	if fm, rest, bodyLine, ok := splitFrontMatter(body); ok {
		if !allowFrontMatter {
			l.add(file, 1, "front matter (+++) is not allowed here: the file is shown and signed exactly as written")
			return p, false
		}
		if rest == nil {
			l.add(file, 1, "front matter opened with +++ is never closed")
			return p, false
		}
		l.frontMatter(file, fm, &p)
		body, offset = rest, bodyLine-1
	}

	md := l.md
	doc := md.Parser().Parse(text.NewReader(body))
	lineOf := func(n ast.Node) int { return lineOfOffset(body, nodeOffset(n)) + offset }
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.HTMLBlock:
			// HTML comments are authors' notes, not content; anything else is markup
			// the page would silently drop.
			if n.HTMLBlockType != ast.HTMLBlockType2 {
				l.add(file, lineOf(n), "raw HTML is not allowed (%s); write Markdown", snippet(n.Lines().Value(body)))
			}
		case *ast.RawHTML:
			if raw := n.Segments.Value(body); !bytes.HasPrefix(raw, []byte("<!--")) {
				l.add(file, lineOf(n), "raw HTML is not allowed (%s); write Markdown", snippet(raw))
			}
		case *ast.Link:
			l.checkURL(file, lineOf(n), n.Destination)
		case *ast.Image:
			l.checkURL(file, lineOf(n), n.Destination)
		case *ast.AutoLink:
			l.checkURL(file, lineOf(n), n.URL(body))
		case *ast.Heading:
			if n.Level == 1 && p.Title == "" {
				p.Title = strings.TrimSpace(plainText(n, body))
				if p.Title == "" {
					l.add(file, lineOf(n), "the # heading is empty")
				}
			}
		}
		return ast.WalkContinue, nil
	})
	if p.Title == "" && len(l.problems) == before {
		l.add(file, 1, "no title: the file must have a level-1 heading (# Title)")
	}
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, body, doc); err != nil {
		l.add(file, 0, "render Markdown: %v", err)
	}
	// Safe to mark as HTML: the renderer omits raw HTML and unsafe links, and both are rejected above.
	p.HTML = template.HTML(buf.String())
	return p, len(l.problems) == before
}

// frontMatter reads the TOML between the +++ lines; fm starts on line 2 of the file.
func (l *loader) frontMatter(file string, fm []byte, p *page) {
	raw := map[string]any{}
	if _, err := toml.Decode(string(fm), &raw); err != nil {
		line := 1
		if pe, ok := err.(toml.ParseError); ok {
			line = pe.Position.Line + 1
		}
		l.add(file, line, "broken front matter: %s", tomlMessage(err))
		return
	}
	idx := tomlpos.Scan(fm)
	for _, k := range sortedKeys(raw) {
		line := idx.Top.KeyLine(k, 0) + 1
		if k != "min_read" {
			l.add(file, line, "unknown front matter key %q (allowed: min_read)", k)
			continue
		}
		s, ok := raw[k].(string)
		d, err := ParseDuration(s)
		switch {
		case !ok:
			l.add(file, line, "min_read must be a duration string like \"PT45S\"")
		case err != nil:
			l.add(file, line, "min_read: %v", err)
		default:
			p.MinRead, p.MinReadLine = d, line
		}
	}
}

// splitFrontMatter finds front matter: a first line "+++", TOML, and a closing "+++"
// line. ok reports whether the file opens with front matter; rest is nil when it is
// never closed, and bodyLine is the file line on which rest begins.
func splitFrontMatter(data []byte) (fm, rest []byte, bodyLine int, ok bool) {
	first, after, found := bytes.Cut(data, []byte("\n"))
	if strings.TrimRight(string(first), " \t\r") != "+++" {
		return nil, nil, 0, false
	}
	if !found {
		return nil, nil, 0, true
	}
	pos, line := len(first)+1, 2
	for len(after) > 0 {
		l, next, _ := bytes.Cut(after, []byte("\n"))
		if strings.TrimRight(string(l), " \t\r") == "+++" {
			end := pos + len(l) + 1
			return data[len(first)+1 : pos], data[min(end, len(data)):], line + 1, true
		}
		pos += len(l) + 1
		line++
		after = next
	}
	return nil, nil, 0, true
}

// checkURL allows web, mail and phone links and relative ones; javascript:, data:,
// vbscript:, file: and the like can run code or leak data from a page people sign.
func (l *loader) checkURL(file string, line int, dest []byte) {
	// Check what the browser will get: entities and escapes resolved, as goldmark renders it.
	u := util.URLEscape(dest, true)
	scheme := urlScheme(u)
	switch scheme {
	case "", "http", "https", "mailto", "tel":
		return
	}
	l.add(file, line, "link to %q is not allowed: use http, https, mailto or tel links, or relative ones", snippet(dest))
}

// urlScheme returns the lower-case scheme of u, or "" when u is relative. Browsers
// ignore ASCII whitespace and control characters inside a scheme, so this does too.
func urlScheme(u []byte) string {
	var b strings.Builder
	for _, c := range u {
		switch {
		case c <= ' ' || c == 0x7f:
			continue
		case c == ':':
			s := strings.ToLower(b.String())
			if s == "" {
				return ""
			}
			return s
		case c == '/' || c == '?' || c == '#':
			return ""
		}
		b.WriteByte(c)
	}
	return ""
}

// nodeOffset returns the byte offset where n starts, looking at ancestors when n has none.
func nodeOffset(n ast.Node) int {
	for ; n != nil; n = n.Parent() {
		if p := n.Pos(); p >= 0 {
			return p
		}
		if n.Type() == ast.TypeBlock && n.Lines().Len() > 0 {
			return n.Lines().At(0).Start
		}
	}
	return 0
}

func lineOfOffset(data []byte, off int) int {
	off = max(0, min(off, len(data)))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return 0
}

// plainText returns the text of a heading without Markdown markup.
func plainText(n ast.Node, source []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(source))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.AutoLink:
			b.Write(c.Label(source))
		case *ast.RawHTML:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}

// snippet shortens s for a message.
func snippet(s []byte) string {
	t := strings.TrimSpace(string(s))
	if i := strings.IndexByte(t, '\n'); i >= 0 {
		t = t[:i]
	}
	if utf8.RuneCountInString(t) > 40 {
		t = string([]rune(t)[:40]) + "…"
	}
	return t
}

func tomlMessage(err error) string {
	if pe, ok := err.(toml.ParseError); ok {
		return pe.Message
	}
	return fmt.Sprint(err)
}
