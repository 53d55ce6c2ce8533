// Package web holds Custos's HTML templates and static files, embedded in the binary so it runs
// offline from one file.
package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

// TemplateFS returns the templates: layout.html, partials named _*.html, and one file per page.
func TemplateFS() fs.FS { return templateFiles }

// Static returns the static files under their names (style.css, …).
func Static() fs.FS {
	sub, _ := fs.Sub(staticFiles, "static")
	return sub
}

// Pages parses every page template with the layout and partials, keyed by the page's file name
// without extension. funcs are added to every page; rewrite, when not nil, changes the text of
// each file before it is parsed.
func Pages(funcs template.FuncMap, rewrite func(string) (string, error)) (map[string]*template.Template, error) {
	shared, err := fs.Glob(templateFiles, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	base, err := parse(template.New("layout.html").Funcs(funcs), rewrite, append([]string{"templates/layout.html"}, shared...)...)
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	files, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := make(map[string]*template.Template)
	for _, f := range files {
		name := path.Base(f)
		if name == "layout.html" || strings.HasPrefix(name, "_") {
			continue
		}
		t, err := parse(template.Must(base.Clone()), rewrite, f)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		pages[strings.TrimSuffix(name, ".html")] = t
	}
	return pages, nil
}

// parse adds files to t as template.ParseFS would, each named by its base name, after rewrite.
func parse(t *template.Template, rewrite func(string) (string, error), files ...string) (*template.Template, error) {
	for _, f := range files {
		b, err := fs.ReadFile(templateFiles, f)
		if err != nil {
			return nil, err
		}
		src := string(b)
		if rewrite != nil {
			if src, err = rewrite(src); err != nil {
				return nil, fmt.Errorf("%s: %w", path.Base(f), err)
			}
		}
		tmpl := t
		if name := path.Base(f); name != t.Name() {
			tmpl = t.New(name)
		}
		if _, err := tmpl.Parse(src); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// AssetVersions returns a short content hash per static file, appended to asset URLs so
// browsers may cache them for a year and still see a new version at once.
func AssetVersions() (map[string]string, error) {
	out := make(map[string]string)
	err := fs.WalkDir(Static(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(Static(), p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		out[p] = hex.EncodeToString(sum[:6])
		return nil
	})
	return out, err
}
