package web_test

import (
	"html/template"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"text/template/parse"
	"time"

	"custos/locales"
	"custos/web"
)

func noFuncs() template.FuncMap {
	return template.FuncMap{"add": func(a, b int) int { return a + b }, "percent": func(a, b int) int { return 0 },
		"deref":      func(p *int64) int64 { return 0 },
		"deref_time": func(p *time.Time) time.Time { return time.Time{} }}
}

func TestPagesParse(t *testing.T) {
	pages, err := web.Pages(noFuncs(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"error", "login", "home"} {
		if pages[want] == nil {
			t.Errorf("no %s page", want)
		}
	}
}

var (
	tag         = regexp.MustCompile(`<[^>]*>`)
	entity      = regexp.MustCompile(`&[a-zA-Z#0-9]+;`)
	letters     = regexp.MustCompile(`[\p{L}]{2,}`)
	attrText    = regexp.MustCompile(`\s(?:alt|title|placeholder|aria-label)="([^"{]+)"`)
	translateID = regexp.MustCompile(`\.T\s+"([a-zA-Z0-9_-]+)"`)
)

// allowedLiteral is text that is the same in every language: the product name, code-like column
// names shown as such, and the language names in the switch (each written in its own language).
var allowedLiteral = map[string]bool{"Custos": true, "English": true, "中文": true,
	"email,name,department,manager_email,role,locale,hired_on,left_on": true, "openapi.json": true,
	"custos": true, "evidence": true, "verify": true, "evidence.zip": true, "/.well-known/custos-signing-key": true}

// TestTemplatesHaveNoUntranslatedText walks every template's parse tree: any visible text in a
// text node (outside tags) or a visible attribute must come through the translator.
func TestTemplatesHaveNoUntranslatedText(t *testing.T) {
	files, _ := fs.Glob(web.TemplateFS(), "templates/*.html")
	for _, f := range files {
		data, _ := fs.ReadFile(web.TemplateFS(), f)
		builtins := map[string]any{}
		for _, name := range strings.Fields("and call html index slice js len not or print printf println urlquery eq ge gt le lt ne") {
			builtins[name] = true // parse only asks whether a name exists
		}
		trees, err := parse.Parse(f, string(data), "{{", "}}", map[string]any(noFuncs()), builtins)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// Join the text around the actions, so tags cut by an action read as one tag.
		var doc strings.Builder
		for _, tree := range trees {
			walk(tree.Root, func(text string) { doc.WriteString(text + "\x00") })
		}
		text := strings.ReplaceAll(doc.String(), "\x00", "")
		for _, m := range attrText.FindAllStringSubmatch(text, -1) {
			t.Errorf("%s: untranslated attribute text %q", f, m[1])
		}
		visible := entity.ReplaceAllString(tag.ReplaceAllString(text, " "), " ")
		for _, word := range strings.Fields(visible) {
			if letters.MatchString(word) && !allowedLiteral[word] {
				t.Errorf("%s: untranslated text %q", f, word)
			}
		}
	}
}

func walk(n parse.Node, visit func(string)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walk(c, visit)
		}
	case *parse.TextNode:
		visit(string(n.Text))
	case *parse.IfNode:
		walk(n.List, visit)
		walk(n.ElseList, visit)
	case *parse.RangeNode:
		walk(n.List, visit)
		walk(n.ElseList, visit)
	case *parse.WithNode:
		walk(n.List, visit)
		walk(n.ElseList, visit)
	}
}

func TestEveryMessageATemplateUsesExists(t *testing.T) {
	en, err := locales.IDs("en")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(web.TemplateFS(), "templates/*.html")
	for _, f := range files {
		data, _ := fs.ReadFile(web.TemplateFS(), f)
		for _, m := range translateID.FindAllStringSubmatch(string(data), -1) {
			if !en[m[1]] {
				t.Errorf("%s uses message %q, which en.toml lacks", f, m[1])
			}
		}
	}
}
