package courses

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"custos/quizzes"
	"custos/quizzes/tomlpos"
)

// Keys course.toml may hold. Anything else is most likely a typo that would otherwise
// silently fall back to a default.
var courseKeys = map[string]bool{
	"title": true, "summary": true, "recurrence": true, "window_days": true, "scope": true,
	"quiz": true, "questions": true, "pass_mark": true, "max_attempts": true, "cooldown": true,
	"time_limit": true, "reveal_answers": true, "undertaking": true, "controls": true, "lesson": true,
}

// Keys that mean something only for a course with a quiz.
var quizOnlyKeys = []string{"questions", "pass_mark", "max_attempts", "cooldown", "time_limit", "reveal_answers"}

// DefaultMaxAttempts is the number of quiz attempts per cycle when course.toml sets none.
const DefaultMaxAttempts = 3

// courseFile is one course.toml being read: its problems go to the loader with lines.
type courseFile struct {
	l    *loader
	file string
	raw  map[string]any
	idx  *tomlpos.Index
}

func (f *courseFile) line(key string) int { return f.idx.Top.KeyLine(key, 0) }

func (f *courseFile) add(key string, format string, args ...any) {
	f.l.add(f.file, f.line(key), format, args...)
}

// str returns the string at key; present is false when the key is absent.
func (f *courseFile) str(key string) (s string, present bool) {
	v, present := f.raw[key]
	if !present {
		return "", false
	}
	s, ok := v.(string)
	if !ok || strings.TrimSpace(s) == "" {
		f.add(key, "%s must be a non-empty string", key)
	}
	return s, true
}

// integer returns the integer at key, checked against [lo, hi]; present is false when absent.
func (f *courseFile) integer(key string, lo, hi int) (n int, present bool) {
	v, present := f.raw[key]
	if !present {
		return 0, false
	}
	i, ok := v.(int64)
	if !ok || i < int64(lo) || i > int64(hi) {
		if hi == math.MaxInt {
			f.add(key, "%s must be a whole number of at least %d", key, lo)
		} else {
			f.add(key, "%s must be a whole number from %d to %d", key, lo, hi)
		}
		return 0, true
	}
	return int(i), true
}

// duration returns the ISO 8601 duration at key; valid is false when it is absent or wrong.
func (f *courseFile) duration(key string) (d time.Duration, valid bool) {
	s, present := f.str(key)
	if !present || s == "" {
		return 0, false
	}
	d, err := ParseDuration(s)
	if err != nil {
		f.add(key, "%s: %v", key, err)
		return 0, false
	}
	return d, true
}

func (f *courseFile) text(key string) Text {
	v, present := f.raw[key]
	if !present {
		f.l.add(f.file, 0, "missing %s", key)
		return nil
	}
	t, msgs := quizzes.TextFrom(v)
	for _, m := range msgs {
		f.add(key, "%s %s", key, m)
	}
	return t
}

// stringList returns v as a list of non-empty strings, reporting key at line otherwise.
func (f *courseFile) stringList(key string, v any, line int) []string {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		f.l.add(f.file, line, "%s must be a list of strings", key)
		return nil
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, ok := e.(string)
		if !ok || strings.TrimSpace(s) == "" {
			f.l.add(f.file, line, "%s must be a list of non-empty strings", key)
			return nil
		}
		out = append(out, s)
	}
	return out
}

// course reads and validates courses/<slug>/ from src against the banks and
// undertakings already loaded.
func (l *loader) course(slug string, src fs.FS, cat *Catalog, set *contentSet) (*Course, bool) {
	before := len(l.problems)
	dir := "courses/" + slug
	file := dir + "/course.toml"
	data, err := fs.ReadFile(src, file)
	if errors.Is(err, fs.ErrNotExist) {
		l.add(file, 0, "missing: every folder in courses/ except undertakings/ is a course")
		return nil, false
	}
	if err != nil {
		l.add(file, 0, "read: %v", err)
		return nil, false
	}
	if !validSlug(slug) {
		l.add(file, 0, "course folder %q may hold only lower-case letters, digits and '-': it is the course's URL", slug)
	}
	f := &courseFile{l: l, file: file, raw: map[string]any{}}
	if _, err := toml.Decode(string(data), &f.raw); err != nil {
		line := 0
		var pe toml.ParseError
		if errors.As(err, &pe) {
			line = pe.Position.Line
		}
		l.add(file, line, "TOML syntax: %s", tomlMessage(err))
		return nil, false
	}
	f.idx = tomlpos.Scan(data)

	c := &Course{Slug: slug}
	for _, k := range sortedKeys(f.raw) {
		if !courseKeys[k] {
			f.add(k, "unknown key %q", k)
		}
	}
	c.Title = f.text("title")
	c.Summary = f.text("summary")
	if s, present := f.str("recurrence"); !present {
		l.add(file, 0, "missing recurrence, like recurrence = \"P12M\"")
	} else if s != "" {
		p, err := ParsePeriod(s)
		if err != nil {
			f.add("recurrence", "recurrence: %v", err)
		}
		c.Recurrence = p
	}
	if n, present := f.integer("window_days", 1, math.MaxInt); !present {
		l.add(file, 0, "missing window_days, the days a person has to finish after assignment")
	} else {
		c.WindowDays = n
	}
	c.Scope = f.scope()
	c.Controls = f.stringList("controls", f.raw["controls"], f.line("controls"))

	quizName, hasQuiz := f.str("quiz")
	if hasQuiz {
		f.quiz(c, quizName, cat, set)
	} else {
		for _, k := range quizOnlyKeys {
			if _, ok := f.raw[k]; ok {
				f.add(k, "%s is set but the course has no quiz", k)
			}
		}
	}
	if name, present := f.str("undertaking"); present && name != "" {
		switch u, ok := cat.Undertakings[name]; {
		case ok:
			c.Undertaking = u
		case set.undertakings[name] == nil:
			f.add("undertaking", "unknown undertaking %q: want courses/undertakings/%s.en.md and %s.zh-Hans.md", name, name, name)
		}
		// An undertaking that exists but is invalid has its own problems already.
	}

	files := l.lessons(f, c, src, dir)
	if !c.HasLessons() && !hasQuiz && c.Undertaking == nil && len(l.problems) == before {
		l.add(file, 0, "the course has no lessons, no quiz and no undertaking: nothing to complete")
	}
	if c.Bank != nil {
		l.checkBankLessons(c, set.banks[c.Quiz].path)
	}
	if len(l.problems) != before {
		return nil, false
	}
	c.Version = courseVersion(file, data, files, c)
	return c, true
}

func (f *courseFile) scope() Scope {
	var s Scope
	v, present := f.raw["scope"]
	if !present {
		return s
	}
	m, ok := v.(map[string]any)
	if !ok {
		f.add("scope", "scope must be a table like { departments = [], roles = [] }")
		return s
	}
	sec := f.idx.Tables["scope"] // set only when written as a [scope] table
	at := func(k string) int { return sec.KeyLine(k, f.line("scope")) }
	for _, k := range sortedKeys(m) {
		if k != "departments" && k != "roles" {
			f.l.add(f.file, at(k), "unknown scope key %q (want departments, roles)", k)
		}
	}
	s.Departments = f.stringList("scope.departments", m["departments"], at("departments"))
	s.Roles = f.stringList("scope.roles", m["roles"], at("roles"))
	for _, r := range s.Roles {
		if !slices.Contains(Roles, r) {
			f.l.add(f.file, at("roles"), "unknown role %q in scope (want %s)", r, strings.Join(Roles, ", "))
		}
	}
	return s
}

func (f *courseFile) quiz(c *Course, name string, cat *Catalog, set *contentSet) {
	c.Quiz = name
	c.Bank = cat.Banks[name]
	if _, exists := set.banks[name]; !exists && name != "" {
		f.add("quiz", "unknown quiz bank %q: want quizzes/%s.toml", name, name)
	}
	n, present := f.integer("questions", 1, math.MaxInt)
	switch {
	case !present:
		f.l.add(f.file, 0, "missing questions, the number drawn per attempt")
	case c.Bank != nil && n > len(c.Bank.Questions):
		f.add("questions", "questions = %d but bank %q has only %d", n, name, len(c.Bank.Questions))
	}
	c.Questions = n
	if p, present := f.integer("pass_mark", 1, 100); !present {
		f.l.add(f.file, 0, "missing pass_mark, the percentage needed to pass (1–100)")
	} else {
		c.PassMark = p
	}
	c.MaxAttempts = DefaultMaxAttempts
	if m, present := f.integer("max_attempts", 1, math.MaxInt); present {
		c.MaxAttempts = m
	}
	c.Cooldown, _ = f.duration("cooldown")
	if d, valid := f.duration("time_limit"); valid {
		if d <= 0 {
			f.add("time_limit", "time_limit must be longer than zero; leave it out for no limit")
		}
		c.TimeLimit = d
	}
	if v, present := f.raw["reveal_answers"]; present {
		b, ok := v.(bool)
		if !ok {
			f.add("reveal_answers", "reveal_answers must be true or false")
		}
		c.RevealAnswers = b
	}
}

// lessons reads the [[lesson]] entries and their files, and returns every lesson file
// read (for the version). Files in lessons/ that no entry names are problems too: a
// lesson the author forgot to list would never be shown.
func (l *loader) lessons(f *courseFile, c *Course, src fs.FS, dir string) []contentFile {
	v, present := f.raw["lesson"]
	if !present {
		return nil
	}
	entries, ok := v.([]map[string]any)
	if !ok {
		f.add("lesson", "lesson must be written as [[lesson]] tables")
		return nil
	}
	var files []contentFile
	listed := map[string]bool{}
	for i, e := range entries {
		sec := f.idx.Entry("lesson", i)
		line := 0
		if sec != nil {
			line = sec.Line
		}
		for _, k := range sortedKeys(e) {
			if k != "file" && k != "min_read" {
				l.add(f.file, sec.KeyLine(k, line), "lesson: unknown key %q (want file, min_read)", k)
			}
		}
		name, ok := e["file"].(string)
		if !ok || !validSlug(name) {
			l.add(f.file, sec.KeyLine("file", line), "lesson: file must name lessons/<file>.<locale>.md, in lower-case letters, digits and '-', like \"01-why-it-matters\"")
			continue
		}
		if listed[name] {
			l.add(f.file, sec.KeyLine("file", line), "lesson %q is listed twice", name)
			continue
		}
		listed[name] = true
		lesson := Lesson{
			Slug:   name,
			Index:  len(c.Lessons) + 1,
			Title:  Text{},
			HTML:   map[string]template.HTML{},
			Source: map[string][]byte{},
		}
		tomlMinRead := false
		if mr, has := e["min_read"]; has {
			s, _ := mr.(string)
			d, err := ParseDuration(s)
			if err != nil {
				l.add(f.file, sec.KeyLine("min_read", line), "lesson %q: min_read: %v", name, err)
			}
			lesson.MinRead, tomlMinRead = d, true
		}
		for _, locale := range quizzes.Locales {
			p := fmt.Sprintf("%s/lessons/%s.%s.md", dir, name, locale)
			data, err := fs.ReadFile(src, p)
			if errors.Is(err, fs.ErrNotExist) {
				l.add(f.file, sec.KeyLine("file", line), "lesson %q: missing %s (every lesson needs %s)", name, p, strings.Join(quizzes.Locales, " and "))
				continue
			}
			if err != nil {
				l.add(p, 0, "read: %v", err)
				continue
			}
			files = append(files, contentFile{p, data})
			pg, ok := l.markdown(p, data, true)
			if !ok {
				continue
			}
			lesson.Title[locale], lesson.HTML[locale], lesson.Source[locale] = pg.Title, pg.HTML, data
			switch {
			case pg.MinReadLine > 0 && tomlMinRead:
				l.add(p, pg.MinReadLine, "min_read is also set for this lesson in %s; set it in one place", f.file)
			case pg.MinReadLine > 0:
				// Reading speeds differ by language: the slowest locale sets the minimum.
				lesson.MinRead = max(lesson.MinRead, pg.MinRead)
			}
		}
		c.Lessons = append(c.Lessons, lesson)
	}
	l.strayLessonFiles(src, dir, listed)
	return files
}

func (l *loader) strayLessonFiles(src fs.FS, dir string, listed map[string]bool) {
	entries, err := fs.ReadDir(src, dir+"/lessons")
	if err != nil {
		return // no lessons/ folder: nothing stray
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		p := dir + "/lessons/" + e.Name()
		name, locale, ok := splitLocale(e.Name())
		switch {
		case !ok || !quizzes.IsLocale(locale):
			l.add(p, 0, "file name must be <lesson>.<locale>.md with locale %s", strings.Join(quizzes.Locales, " or "))
		case !listed[name]:
			l.add(p, 0, "lesson %q is not listed in %s/course.toml", name, dir)
		}
	}
}

// checkBankLessons makes sure every question of the course's bank tests one of its
// lessons; Draw spreads questions over lessons, and a stray lesson name is a typo.
func (l *loader) checkBankLessons(c *Course, bankFile string) {
	slugs := c.LessonSlugs()
	for _, q := range c.Bank.Questions {
		if !slices.Contains(slugs, q.Lesson) {
			l.add(bankFile, q.Line, "question %q: lesson %q is not a lesson of course %q, which uses this bank", q.ID, q.Lesson, c.Slug)
		}
	}
}

// courseVersion hashes everything a person reads or answers, each part labelled and
// length-prefixed so that moving bytes between parts changes the hash too.
func courseVersion(file string, data []byte, lessons []contentFile, c *Course) string {
	h := sha256.New()
	part := func(label string, b []byte) {
		fmt.Fprintf(h, "%s %d\n", label, len(b))
		h.Write(b)
	}
	part(file, data)
	slices.SortFunc(lessons, func(a, b contentFile) int { return strings.Compare(a.path, b.path) })
	for _, f := range lessons {
		part(f.path, f.data)
	}
	if c.Bank != nil {
		part("quiz "+c.Bank.Name, []byte(c.Bank.Version))
	}
	if c.Undertaking != nil {
		for _, locale := range sortedKeys(c.Undertaking.Docs) {
			part("undertaking "+c.Undertaking.Name+" "+locale, []byte(c.Undertaking.Docs[locale].Version))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
