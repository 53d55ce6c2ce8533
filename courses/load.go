package courses

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/yuin/goldmark"

	"custos/quizzes"
)

// Load reads content from sources, each a root holding courses/ and quizzes/ folders
// (Builtin(), then os.DirFS(CUSTOS_CONTENT_DIR)). A later source replaces an earlier
// one's course (by slug, the whole folder), bank (by name) or undertaking (by name,
// all its locales) and adds what is new. Load returns either a complete, valid catalogue
// or a *quizzes.ValidationError listing every problem by file and line: never a part.
func Load(sources ...fs.FS) (*Catalog, error) {
	l := &loader{md: newMarkdown()}
	set := l.gather(sources)
	cat := &Catalog{
		Undertakings: map[string]*Undertaking{},
		Banks:        map[string]*quizzes.Bank{},
		bySlug:       map[string]*Course{},
	}
	for _, name := range sortedKeys(set.banks) {
		f := set.banks[name]
		b, err := quizzes.Parse(f.path, f.data)
		if err != nil {
			l.merge(f.path, err)
			continue
		}
		cat.Banks[name] = b
	}
	for _, name := range sortedKeys(set.undertakings) {
		if u, ok := l.undertaking(name, set.undertakings[name]); ok {
			cat.Undertakings[name] = u
		}
	}
	for _, slug := range sortedKeys(set.courses) {
		if c, ok := l.course(slug, set.courses[slug], cat, set); ok {
			cat.Courses = append(cat.Courses, c)
			cat.bySlug[slug] = c
		}
	}
	if len(l.problems) > 0 {
		sort.SliceStable(l.problems, func(i, j int) bool {
			a, b := l.problems[i], l.problems[j]
			if a.File != b.File {
				return a.File < b.File
			}
			return a.Line < b.Line
		})
		return nil, &quizzes.ValidationError{Problems: l.problems}
	}
	return cat, nil
}

// Check validates content as Load does; `custos courses check [DIR]` prints its error.
func Check(sources ...fs.FS) error {
	_, err := Load(sources...)
	return err
}

// loader collects problems across all files of one Load.
type loader struct {
	md       goldmark.Markdown
	problems []quizzes.Problem
}

func (l *loader) add(file string, line int, format string, args ...any) {
	l.problems = append(l.problems, quizzes.Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// merge adds the problems of a ValidationError, or err itself as a problem of file.
func (l *loader) merge(file string, err error) {
	var ve *quizzes.ValidationError
	if errors.As(err, &ve) {
		l.problems = append(l.problems, ve.Problems...)
		return
	}
	l.add(file, 0, "%v", err)
}

// contentFile is one file read from a source, with its path in the content layout.
type contentFile struct {
	path string
	data []byte
}

// contentSet is what the sources hold once later ones have overridden earlier ones.
type contentSet struct {
	banks        map[string]contentFile   // bank name → quizzes/<name>.toml
	undertakings map[string][]contentFile // name → courses/undertakings/<name>.<locale>.md
	courses      map[string]fs.FS         // slug → the source holding courses/<slug>/
}

func (l *loader) gather(sources []fs.FS) *contentSet {
	set := &contentSet{banks: map[string]contentFile{}, undertakings: map[string][]contentFile{}, courses: map[string]fs.FS{}}
	for i, src := range sources {
		name := describe(src, i)
		if src == nil {
			l.add(name, 0, "content source is nil")
			continue
		}
		banks, errQ := fs.ReadDir(src, "quizzes")
		dirs, errC := fs.ReadDir(src, "courses")
		if errors.Is(errQ, fs.ErrNotExist) && errors.Is(errC, fs.ErrNotExist) {
			// Most likely CUSTOS_CONTENT_DIR points one level too high or too low.
			l.add(name, 0, "holds neither a courses/ nor a quizzes/ folder")
			continue
		}
		for _, err := range []error{errQ, errC} {
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				l.add(name, 0, "read content: %v", err)
			}
		}
		for _, e := range banks {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".toml") {
				continue
			}
			p := "quizzes/" + e.Name()
			if data, ok := l.read(src, p); ok {
				set.banks[strings.TrimSuffix(e.Name(), ".toml")] = contentFile{p, data}
			}
		}
		for _, e := range dirs {
			switch {
			case !e.IsDir():
				continue
			case e.Name() == "undertakings":
				l.gatherUndertakings(src, set)
			default:
				set.courses[e.Name()] = src
			}
		}
	}
	return set
}

// gatherUndertakings replaces, per name, every locale an earlier source gave: mixing
// locales from two sources would pair texts that were never reviewed together.
func (l *loader) gatherUndertakings(src fs.FS, set *contentSet) {
	entries, err := fs.ReadDir(src, "courses/undertakings")
	if err != nil {
		l.add("courses/undertakings", 0, "read: %v", err)
		return
	}
	fresh := map[string][]contentFile{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		p := "courses/undertakings/" + e.Name()
		name, _, _ := strings.Cut(strings.TrimSuffix(e.Name(), ".md"), ".")
		if data, ok := l.read(src, p); ok {
			fresh[name] = append(fresh[name], contentFile{p, data})
		}
	}
	for name, files := range fresh {
		set.undertakings[name] = files
	}
}

func (l *loader) read(src fs.FS, p string) ([]byte, bool) {
	data, err := fs.ReadFile(src, p)
	if err != nil {
		l.add(p, 0, "read: %v", err)
		return nil, false
	}
	return data, true
}

// describe names a source for messages: os.DirFS values are their directory path.
func describe(src fs.FS, i int) string {
	if v := reflect.ValueOf(src); v.IsValid() && v.Kind() == reflect.String {
		return fmt.Sprintf("content source %s", v.String())
	}
	return fmt.Sprintf("content source #%d", i+1)
}

// splitLocale splits "name.locale.md" into name and locale.
func splitLocale(file string) (name, locale string, ok bool) {
	base := strings.TrimSuffix(path.Base(file), ".md")
	i := strings.LastIndexByte(base, '.')
	if i <= 0 {
		return base, "", false
	}
	return base[:i], base[i+1:], true
}

func (l *loader) undertaking(name string, files []contentFile) (*Undertaking, bool) {
	before := len(l.problems)
	u := &Undertaking{Name: name, Docs: map[string]Document{}}
	if !validSlug(name) {
		l.add(files[0].path, 0, "undertaking name %q may hold only lower-case letters, digits and '-'", name)
	}
	for _, f := range files {
		n, locale, ok := splitLocale(f.path)
		if !ok || n != name || !quizzes.IsLocale(locale) {
			l.add(f.path, 0, "file name must be <name>.<locale>.md with locale %s", strings.Join(quizzes.Locales, " or "))
			continue
		}
		p, ok := l.markdown(f.path, f.data, false)
		if !ok {
			continue
		}
		u.Docs[locale] = Document{Locale: locale, Title: p.Title, Text: string(f.data), HTML: p.HTML, Version: sha256Hex(f.data)}
	}
	for _, locale := range quizzes.Locales {
		if !slices.ContainsFunc(files, func(f contentFile) bool { n, loc, _ := splitLocale(f.path); return n == name && loc == locale }) {
			l.add(fmt.Sprintf("courses/undertakings/%s.%s.md", name, locale), 0, "missing: undertaking %q has no %s text", name, locale)
		}
	}
	return u, len(l.problems) == before
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// validSlug accepts names that are safe in URLs and file names on every system.
func validSlug(s string) bool {
	if s == "" || len(s) > 100 || s[0] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}
