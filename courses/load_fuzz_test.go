package courses

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/net/html"

	"custos/quizzes"
)

// FuzzLoad loads a course whose course.toml and lesson (both locales) are fuzzed, beside the
// valid test content (a quiz bank "basics" and an undertaking "nda" it may name). Load must
// never panic; it either lists problems, each naming a file, or returns a catalogue whose
// lesson HTML can run nothing in a browser: no script, frame, plug-in, form or style element,
// no event handler or style attribute, and links only to web, mail and phone addresses or
// relative ones. That HTML is marked safe and printed as it is on pages people sign.
//
//	go test -run='^$' -fuzz='^FuzzLoad$' -fuzztime=10s ./courses/
func FuzzLoad(f *testing.F) {
	valid := `title = { en = "Fuzz", zh-Hans = "模糊" }
summary = { en = "S", zh-Hans = "摘要" }
recurrence = "P12M"
window_days = 30
undertaking = "nda"

[[lesson]]
file = "01-a"
`
	for _, seed := range []struct{ toml, lesson string }{
		{valid, "# Title\n\nText with [a link](https://example.com) and `code`.\n"},
		{valid, "+++\nmin_read = \"PT20S\"\n+++\n# Title *em*\n\n<!-- note -->\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n"},
		{valid, "# T\n\n<script>alert(1)</script>\n"},
		{valid, "# T\n\n[x](javascript:alert(1)) <javascript:alert(1)> ![i](data:text/html,x)\n"},
		{valid, "# T\n\n[x][r]\n\n[r]: JaVaScRiPt&#58;alert(1)\n"},
		{valid, "# T <svg onload=alert(1)>\n\n- [x] done\n- [ ] todo\n\nwww.example.com\n"},
		{valid, "\ufeff# T\r\n\r\nWindows text.\r\n"},
		{valid, "no heading"},
		{valid, "+++\nmin_read = 5\nother = 1\n+++\n# T\n"},
		{valid + "quiz = \"basics\"\nquestions = 1\npass_mark = 80\n", "# T\n"},
		{"title = 1\n[[lesson]]\nfile = \"../../etc\"\n", "# T\n"},
		{"title = { en = \"<svg onload=alert(1)>\" }\n", ""},
		{"[[lesson]\n", "# T\n"},
	} {
		f.Add([]byte(seed.toml), []byte(seed.lesson))
	}
	for _, bad := range []string{`<a href="java&#x09;script:x">`, `<img src=" data:x">`, `<p onclick="x">`, `<svg>`} {
		if unsafeHTML(bad) == "" {
			f.Fatalf("the check misses %s", bad)
		}
	}
	base := validFS(f)
	f.Fuzz(func(t *testing.T, courseTOML, lesson []byte) {
		m := fstest.MapFS{}
		for k, v := range base {
			m[k] = v
		}
		m["courses/fuzz/course.toml"] = &fstest.MapFile{Data: courseTOML}
		m["courses/fuzz/lessons/01-a.en.md"] = &fstest.MapFile{Data: lesson}
		m["courses/fuzz/lessons/01-a.zh-Hans.md"] = &fstest.MapFile{Data: lesson}
		cat, err := Load(m)
		if err != nil {
			var ve *quizzes.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("refused with %T %v", err, err)
			}
			for _, p := range ve.Problems {
				if p.File == "" || p.Msg == "" || p.Line < 0 {
					t.Fatalf("problem %+v names no file or says nothing", p)
				}
			}
			return
		}
		c := cat.Get("fuzz")
		if c == nil {
			t.Fatal("the course loaded without error but is not in the catalogue")
		}
		for _, l := range c.Lessons {
			for locale, body := range l.HTML {
				if strings.TrimSpace(l.Title[locale]) == "" {
					t.Fatalf("lesson %s (%s) has no title", l.Slug, locale)
				}
				if problem := unsafeHTML(string(body)); problem != "" {
					t.Fatalf("lesson %s (%s): %s\nsource: %q\nHTML: %s", l.Slug, locale, problem, l.Source[locale], body)
				}
			}
		}
	})
}

// unsafeHTML says what in s could run script or leave the page, or "" when nothing does.
func unsafeHTML(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				return ""
			}
			return "unreadable HTML: " + z.Err().Error()
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			switch tok.Data {
			case "script", "style", "iframe", "frame", "frameset", "object", "embed", "svg", "math", "form",
				"base", "link", "meta", "textarea", "button", "select", "template", "noscript", "xmp", "plaintext":
				return "a <" + tok.Data + "> element"
			}
			for _, a := range tok.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(key, "on") || key == "style" || key == "srcdoc" || key == "formaction":
					return "<" + tok.Data + "> has " + key
				case key == "href" || key == "src" || key == "action" || key == "xlink:href":
					switch browserScheme(a.Val) {
					case "", "http", "https", "mailto", "tel":
					default:
						return "<" + tok.Data + "> links to " + a.Val
					}
				}
			}
		}
	}
}

// browserScheme reads a URL's scheme as the WHATWG URL parser does: leading and trailing C0
// controls and spaces are stripped, tabs and newlines anywhere are removed, and a scheme is a
// letter followed by letters, digits, +, - or . up to the first colon. "" means relative.
func browserScheme(u string) string {
	u = strings.Trim(u, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	u = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(u)
	i := strings.IndexByte(u, ':')
	if i <= 0 {
		return ""
	}
	for j, c := range u[:i] {
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !(alpha || j > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return ""
		}
	}
	return strings.ToLower(u[:i])
}
