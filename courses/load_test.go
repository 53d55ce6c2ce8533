package courses

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"custos/quizzes"
)

// validFS returns testdata/valid as an in-memory copy that a test may change.
func validFS(t testing.TB) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("testdata/valid"), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(os.DirFS("testdata/valid"), p)
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustLoad(t testing.TB, sources ...fs.FS) *Catalog {
	t.Helper()
	cat, err := Load(sources...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cat
}

func TestLoadValidContent(t *testing.T) {
	cat := mustLoad(t, validFS(t))

	t.Run("loads every course sorted by slug", func(t *testing.T) {
		var slugs []string
		for _, c := range cat.Courses {
			slugs = append(slugs, c.Slug)
		}
		if got := strings.Join(slugs, ","); got != "basics,signing" {
			t.Errorf("courses = %s", got)
		}
		if cat.Get("basics") != cat.Courses[0] || cat.Get("nope") != nil {
			t.Error("Get does not find courses by slug")
		}
	})

	c := cat.Get("basics")
	t.Run("reads the settings of course.toml", func(t *testing.T) {
		checks := []struct {
			name      string
			got, want any
		}{
			{"title", c.Title.In("zh-Hans"), "基础"},
			{"recurrence", c.Recurrence.String(), "P12M"},
			{"window", c.WindowDays, 30},
			{"quiz", c.Bank.Name, "basics"},
			{"questions", c.Questions, 2},
			{"pass mark", c.PassMark, 50},
			{"default attempts", c.MaxAttempts, DefaultMaxAttempts},
			{"cooldown", c.Cooldown.String(), "1h0m0s"},
			{"time limit", c.TimeLimit.String(), "20m0s"},
			{"reveal", c.RevealAnswers, true},
			{"undertaking", c.Undertaking.Name, "nda"},
			{"controls", strings.Join(c.Controls, " "), "PIPL-51 ISO27001-A.6.3"},
			{"departments", strings.Join(c.Scope.Departments, " "), "Sales"},
			{"parts", fmt.Sprint(c.Parts()), "[lessons quiz undertaking]"},
		}
		for _, ch := range checks {
			if ch.got != ch.want {
				t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
			}
		}
	})

	t.Run("numbers lessons from 1 in course.toml order", func(t *testing.T) {
		if c.Lesson(1).Slug != "01-intro" || c.Lesson(2).Slug != "02-rules" || c.Lesson(0) != nil || c.Lesson(3) != nil {
			t.Errorf("lessons = %+v", c.LessonSlugs())
		}
		if c.Lesson(2).Index != 2 {
			t.Errorf("Index = %d, want 2", c.Lesson(2).Index)
		}
	})

	t.Run("takes each lesson title from its first heading, without markup", func(t *testing.T) {
		l := c.Lesson(1)
		if l.Title["en"] != "Introduction to basics" || l.Title["zh-Hans"] != "基础介绍" {
			t.Errorf("titles = %v", l.Title)
		}
	})

	t.Run("renders lessons once, without front matter or comments", func(t *testing.T) {
		html := string(c.Lesson(1).HTML["en"])
		for _, want := range []string{"<h1>Introduction to <em>basics</em></h1>", "<table>", `href="https://example.com/law"`} {
			if !strings.Contains(html, want) {
				t.Errorf("HTML lacks %q:\n%s", want, html)
			}
		}
		for _, bad := range []string{"min_read", "+++", "authors' note"} {
			if strings.Contains(html, bad) {
				t.Errorf("HTML shows %q:\n%s", bad, html)
			}
		}
		if !strings.HasPrefix(string(c.Lesson(1).Source["en"]), "+++\n") {
			t.Error("Source is not the file as written")
		}
	})

	t.Run("takes min_read from course.toml or else the slowest locale's front matter", func(t *testing.T) {
		if got := c.Lesson(1).MinRead.String(); got != "40s" {
			t.Errorf("front matter min_read = %s, want 40s", got)
		}
		if got := c.Lesson(2).MinRead.String(); got != "30s" {
			t.Errorf("course.toml min_read = %s, want 30s", got)
		}
	})

	t.Run("versions an undertaking by the SHA-256 of its exact text", func(t *testing.T) {
		d := cat.Undertakings["nda"].Doc("zh-Hans")
		if d.Version != sha256Hex([]byte(d.Text)) || d.Title != "保密承诺" || d.Locale != "zh-Hans" {
			t.Errorf("doc = %+v", d)
		}
		if cat.Undertakings["nda"].Doc("fr").Locale != "en" {
			t.Error("Doc does not fall back to English")
		}
	})

	t.Run("loads a standalone signing", func(t *testing.T) {
		s := cat.Get("signing")
		if fmt.Sprint(s.Parts()) != "[undertaking]" || s.HasQuiz() || s.HasLessons() {
			t.Errorf("parts = %v", s.Parts())
		}
	})
}

func TestLoadReadsWindowsFiles(t *testing.T) {
	m := validFS(t)
	m["courses/basics/lessons/02-rules.en.md"].Data = []byte("\ufeff+++\r\nmin_read = \"PT5S\"\r\n+++\r\n# The rules\r\n\r\nText.\r\n")
	replace(t, m, "courses/basics/course.toml", "file = \"02-rules\"\nmin_read = \"PT30S\"", "file = \"02-rules\"")
	m["courses/basics/course.toml"].Data = append([]byte("\ufeff"), m["courses/basics/course.toml"].Data...)
	l := mustLoad(t, m).Get("basics").Lesson(2)
	if l.Title["en"] != "The rules" || l.MinRead.String() != "5s" {
		t.Errorf("a lesson with a BOM and CRLF lines read as title %q, min_read %v", l.Title["en"], l.MinRead)
	}
}

func TestCourseVersion(t *testing.T) {
	base := mustLoad(t, validFS(t)).Get("basics").Version
	tests := []struct {
		name   string
		file   string
		change func([]byte) []byte
	}{
		{"changes when a lesson byte changes", "courses/basics/lessons/02-rules.zh-Hans.md", func(b []byte) []byte { return append(b, '.') }},
		{"changes when course.toml changes", "courses/basics/course.toml", func(b []byte) []byte { return append(b, '\n') }},
		{"changes when the bank changes", "quizzes/basics.toml", func(b []byte) []byte { return append(b, []byte("# edited\n")...) }},
		{"changes when the undertaking changes", "courses/undertakings/nda.en.md", func(b []byte) []byte { return append(b, '!') }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validFS(t)
			m[tt.file].Data = tt.change(m[tt.file].Data)
			if got := mustLoad(t, m).Get("basics").Version; got == base {
				t.Error("version did not change")
			}
		})
	}
	t.Run("stays the same for the same content", func(t *testing.T) {
		if got := mustLoad(t, validFS(t)).Get("basics").Version; got != base {
			t.Error("version changed")
		}
	})
}

// replace swaps old for new in file, failing the test when old is not there.
func replace(t *testing.T, m fstest.MapFS, file, old, new string) {
	t.Helper()
	s := string(m[file].Data)
	if !strings.Contains(s, old) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	m[file].Data = []byte(strings.Replace(s, old, new, 1))
}

// lineOf returns "file:N" for the line on which marker starts in file; a marker that
// begins with a newline points at the line after it.
func lineOf(t *testing.T, m fstest.MapFS, file, marker string) string {
	t.Helper()
	f, ok := m[file]
	if !ok {
		t.Fatalf("no %s", file)
	}
	i := strings.Index(string(f.Data), marker)
	if i < 0 {
		t.Fatalf("%s does not contain %q", file, marker)
	}
	i += len(marker) - len(strings.TrimLeft(marker, "\n"))
	return fmt.Sprintf("%s:%d", file, 1+strings.Count(string(f.Data[:i]), "\n"))
}

func TestLoadRejectsBadContent(t *testing.T) {
	const (
		course = "courses/basics/course.toml"
		intro  = "courses/basics/lessons/01-intro.en.md"
		bank   = "quizzes/basics.toml"
	)
	tests := []struct {
		name   string
		edit   func(t *testing.T, m fstest.MapFS)
		file   string // where the error must point
		marker string // text on the line it must point to; "" for no line
		msg    string
	}{
		{"a lesson missing a translation names the missing file",
			func(t *testing.T, m fstest.MapFS) { delete(m, "courses/basics/lessons/02-rules.zh-Hans.md") },
			course, `file = "02-rules"`, `lesson "02-rules": missing courses/basics/lessons/02-rules.zh-Hans.md`},
		{"broken front matter names the file and line",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, intro, `min_read = "PT20S"`, `min_read = "PT20S`) },
			intro, `min_read`, "broken front matter"},
		{"front matter that is never closed is an error",
			func(t *testing.T, m fstest.MapFS) { m[intro].Data = []byte("+++\nmin_read = \"PT1S\"\n# Title\n") },
			intro, "+++", "front matter opened with +++ is never closed"},
		{"an unknown front matter key is an error",
			func(t *testing.T, m fstest.MapFS) {
				replace(t, m, intro, `min_read = "PT20S"`, "min_read = \"PT20S\"\nauthor = \"me\"")
			},
			intro, `author`, `unknown front matter key "author"`},
		{"min_read in both course.toml and front matter is an error",
			func(t *testing.T, m fstest.MapFS) {
				m["courses/basics/lessons/02-rules.en.md"].Data = []byte("+++\nmin_read = \"PT5S\"\n+++\n# The rules\n")
			},
			"courses/basics/lessons/02-rules.en.md", "min_read", "min_read is also set"},
		{"a lesson with a script tag is an error",
			func(t *testing.T, m fstest.MapFS) {
				replace(t, m, intro, "Read this.", "Read this.\n\n<script>alert(1)</script>\n")
			},
			intro, "<script>", "raw HTML is not allowed (<script>alert(1)</script>)"},
		{"inline raw HTML is an error",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, intro, "Read this.", "Read <b>this</b>.") },
			intro, "<b>", "raw HTML is not allowed (<b>)"},
		{"a javascript: link is an error",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, intro, "(../2)", "(javascript:alert(1))") },
			intro, "javascript:", `link to "javascript:alert(1)" is not allowed`},
		{"an entity-encoded javascript: link is an error",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, intro, "(../2)", "(&#106;avascript:alert(1))") },
			intro, "avascript:", `link to "&#106;avascript:alert(1)" is not allowed`},
		{"a data: image is an error",
			func(t *testing.T, m fstest.MapFS) {
				replace(t, m, intro, "| 1 | 2 |", "| 1 | ![x](data:image/svg+xml,abc) |")
			},
			intro, "data:", `link to "data:image/svg+xml,abc" is not allowed`},
		{"a lesson without a # heading is an error",
			func(t *testing.T, m fstest.MapFS) {
				m["courses/basics/lessons/02-rules.en.md"].Data = []byte("## Not a title\n\nText.\n")
			},
			"courses/basics/lessons/02-rules.en.md", "## Not a title", "no title"},
		{"a lesson that is not UTF-8 is an error",
			func(t *testing.T, m fstest.MapFS) {
				m["courses/basics/lessons/02-rules.en.md"].Data = []byte("# Rules\n\n\xff\xfe\n")
			},
			"courses/basics/lessons/02-rules.en.md", "\xff", "not valid UTF-8"},
		{"an unknown quiz bank is an error",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, course, `quiz = "basics"`, `quiz = "nope"`) },
			course, `quiz = "nope"`, `unknown quiz bank "nope": want quizzes/nope.toml`},
		{"a bad recurrence is an error",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, course, `"P12M"`, `"12 months"`) },
			course, "recurrence", `recurrence: period "12 months" is not an ISO 8601 period`},
		{"an unknown key is an error",
			func(t *testing.T, m fstest.MapFS) {
				replace(t, m, course, "window_days = 30", "window_days = 30\ncolour = \"red\"")
			},
			course, "colour", `unknown key "colour"`},
		{"an unknown key in a lesson entry is an error",
			func(t *testing.T, m fstest.MapFS) {
				replace(t, m, course, `file = "01-intro"`, "file = \"01-intro\"\ntitle = \"x\"")
			},
			course, `title = "x"`, `lesson: unknown key "title"`},
		{"an unknown role in scope is an error",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, course, `"auditor"`, `"ceo"`) },
			course, "scope", `unknown role "ceo" in scope`},
		{"a missing undertaking translation names the missing file",
			func(t *testing.T, m fstest.MapFS) { delete(m, "courses/undertakings/nda.zh-Hans.md") },
			"courses/undertakings/nda.zh-Hans.md", "", `missing: undertaking "nda" has no zh-Hans text`},
		{"an unknown undertaking is an error",
			func(t *testing.T, m fstest.MapFS) {
				replace(t, m, course, `undertaking = "nda"`, `undertaking = "ndaa"`)
			},
			course, `undertaking = "ndaa"`, `unknown undertaking "ndaa"`},
		{"raw HTML in an undertaking is an error",
			func(t *testing.T, m fstest.MapFS) {
				replace(t, m, "courses/undertakings/nda.en.md", "I will", "<iframe src=x></iframe>\n\nI will")
			},
			"courses/undertakings/nda.en.md", "<iframe", "raw HTML is not allowed"},
		{"a bank question naming a lesson the course lacks is an error",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, bank, `lesson = "02-rules"`, `lesson = "03-gone"`) },
			bank, "\n[[question]]\nid = \"rules-1\"", `question "rules-1": lesson "03-gone" is not a lesson of course "basics"`},
		{"a broken bank reports the bank's own problems",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, bank, `kind = "truefalse"`, `kind = "yesno"`) },
			bank, `kind = "yesno"`, `question "rules-1": unknown kind "yesno"`},
		{"more questions than the bank holds is an error",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, course, "questions = 2", "questions = 3") },
			course, "questions = 3", `questions = 3 but bank "basics" has only 2`},
		{"a pass mark above 100 is an error",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, course, "pass_mark = 50", "pass_mark = 101") },
			course, "pass_mark", "pass_mark must be a whole number from 1 to 100"},
		{"a quiz without pass mark is an error",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, course, "pass_mark = 50\n", "") },
			course, "", "missing pass_mark"},
		{"a cooldown that is not ISO 8601 is an error",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, course, `"PT1H"`, `"1h"`) },
			course, "cooldown", `cooldown: duration "1h" is not an ISO 8601 duration`},
		{"a zero window is an error",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, course, "window_days = 30", "window_days = 0") },
			course, "window_days", "window_days must be a whole number of at least 1"},
		{"a title missing a locale is an error",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, course, `, zh-Hans = "基础" }`, ` }`) },
			course, "title =", "title has no zh-Hans"},
		{"quiz settings without a quiz are an error",
			func(t *testing.T, m fstest.MapFS) {
				m["courses/signing/course.toml"].Data = append(m["courses/signing/course.toml"].Data, []byte("pass_mark = 80\n")...)
			},
			"courses/signing/course.toml", "pass_mark", "pass_mark is set but the course has no quiz"},
		{"a course with nothing to complete is an error",
			func(t *testing.T, m fstest.MapFS) {
				replace(t, m, "courses/signing/course.toml", `undertaking = "nda"`, "")
			},
			"courses/signing/course.toml", "", "the course has no lessons, no quiz and no undertaking: nothing to complete"},
		{"a lesson file not listed in course.toml is an error",
			func(t *testing.T, m fstest.MapFS) {
				m["courses/basics/lessons/03-draft.en.md"] = &fstest.MapFile{Data: []byte("# Draft\n")}
			},
			"courses/basics/lessons/03-draft.en.md", "", `lesson "03-draft" is not listed in courses/basics/course.toml`},
		{"a lesson file with an unknown locale is an error",
			func(t *testing.T, m fstest.MapFS) {
				m["courses/basics/lessons/01-intro.zh-hans.md"] = &fstest.MapFile{Data: []byte("# 介绍\n")}
			},
			"courses/basics/lessons/01-intro.zh-hans.md", "", "file name must be <lesson>.<locale>.md"},
		{"a course folder without course.toml is an error",
			func(t *testing.T, m fstest.MapFS) {
				m["courses/half/lessons/01.en.md"] = &fstest.MapFile{Data: []byte("# Half\n")}
			},
			"courses/half/course.toml", "", "missing"},
		{"a TOML syntax error in course.toml names its line",
			func(t *testing.T, m fstest.MapFS) { replace(t, m, course, "window_days = 30", "window_days = = 30") },
			course, "window_days", "TOML syntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validFS(t)
			tt.edit(t, m)
			want := tt.file + ": " + tt.msg
			if tt.marker != "" {
				want = lineOf(t, m, tt.file, tt.marker) + ": " + tt.msg
			}
			cat, err := Load(m)
			if err == nil {
				t.Fatalf("Load succeeded; want %q", want)
			}
			if cat != nil {
				t.Error("Load returned a catalogue along with an error")
			}
			var ve *quizzes.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *quizzes.ValidationError", err)
			}
			if !hasLinePrefix(err.Error(), want) {
				t.Errorf("no line starting %q in:\n%v", want, err)
			}
		})
	}
}

func hasLinePrefix(msg, prefix string) bool {
	for _, l := range strings.Split(msg, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func TestLoadReportsEveryProblemAtOnce(t *testing.T) {
	m := validFS(t)
	delete(m, "courses/undertakings/nda.zh-Hans.md")
	replace(t, m, "courses/basics/course.toml", `"P12M"`, `"P12X"`)
	replace(t, m, "quizzes/basics.toml", `kind = "single"`, `kind = "essay"`)
	_, err := Load(m)
	var ve *quizzes.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	files := map[string]bool{}
	for _, p := range ve.Problems {
		files[p.File] = true
	}
	for _, f := range []string{"courses/undertakings/nda.zh-Hans.md", "courses/basics/course.toml", "quizzes/basics.toml"} {
		if !files[f] {
			t.Errorf("no problem reported in %s:\n%v", f, err)
		}
	}
}

func TestLoadRejectsASourceWithoutContentFolders(t *testing.T) {
	err := Check(validFS(t), fstest.MapFS{"README.md": &fstest.MapFile{Data: []byte("hi")}})
	if err == nil || !strings.Contains(err.Error(), "content source #2: holds neither a courses/ nor a quizzes/ folder") {
		t.Errorf("err = %v", err)
	}
	err = Check(os.DirFS("testdata/no-such-dir"))
	if err == nil || !strings.Contains(err.Error(), "content source testdata/no-such-dir: holds neither") {
		t.Errorf("err = %v", err)
	}
}

func TestContentDirOverridesBuiltin(t *testing.T) {
	builtin, err := Load(Builtin())
	if err != nil {
		t.Skipf("built-in content does not load: %v", err)
	}
	cat := mustLoad(t, Builtin(), os.DirFS("testdata/override"))

	t.Run("replaces a built-in course with the same slug", func(t *testing.T) {
		c := cat.Get("customer-information")
		if c.Title.In("en") != "Customer information (our version)" || c.HasLessons() || c.HasQuiz() {
			t.Errorf("course = %+v", c)
		}
		if c.Version == builtin.Get("customer-information").Version {
			t.Error("the replaced course kept the built-in version")
		}
	})
	t.Run("adds a new course", func(t *testing.T) {
		if c := cat.Get("extra"); c == nil || c.Lesson(1).Title.In("zh-Hans") != "唯一一课" || c.Recurrence.String() != "P2W" {
			t.Errorf("extra = %+v", c)
		}
	})
	t.Run("keeps the other built-in courses", func(t *testing.T) {
		if len(cat.Courses) != len(builtin.Courses)+1 {
			t.Errorf("%d courses, want %d", len(cat.Courses), len(builtin.Courses)+1)
		}
		if c := cat.Get("incident-response"); c == nil || c.Version != builtin.Get("incident-response").Version {
			t.Error("incident-response changed")
		}
	})
	t.Run("replaces a bank and revalidates the courses that use it", func(t *testing.T) {
		m := validFS(t)
		override := fstest.MapFS{"quizzes/basics.toml": &fstest.MapFile{Data: []byte(strings.Replace(
			string(m["quizzes/basics.toml"].Data), `lesson = "02-rules"`, `lesson = "01-intro"`, 1))}}
		cat := mustLoad(t, m, override)
		if got := cat.Banks["basics"].Lessons(); len(got) != 1 {
			t.Errorf("bank lessons = %v, want the override's one lesson", got)
		}
	})
}

func TestBuiltinCatalog(t *testing.T) {
	matches, _ := fs.Glob(Builtin(), "courses/*/course.toml")
	if len(matches) == 0 {
		t.Skip("no built-in courses yet")
	}
	cat, err := Load(Builtin())
	if err != nil {
		t.Fatalf("built-in content is invalid:\n%v", err)
	}
	if len(cat.Courses) != len(matches) {
		t.Errorf("%d courses loaded, %d course.toml files", len(cat.Courses), len(matches))
	}
	for _, c := range cat.Courses {
		for _, locale := range quizzes.Locales {
			if c.Title[locale] == "" || c.Summary[locale] == "" {
				t.Errorf("%s: no %s title or summary", c.Slug, locale)
			}
			for _, l := range c.Lessons {
				if l.Title[locale] == "" || l.HTML[locale] == "" {
					t.Errorf("%s lesson %s: no %s title or HTML", c.Slug, l.Slug, locale)
				}
			}
			if u := c.Undertaking; u != nil && u.Docs[locale].Text == "" {
				t.Errorf("%s: undertaking %s has no %s text", c.Slug, u.Name, locale)
			}
		}
	}
	t.Run("embeds no test data", func(t *testing.T) {
		if _, err := fs.Stat(Builtin(), "courses/testdata"); err == nil {
			t.Error("courses/testdata is embedded")
		}
	})
}

func BenchmarkLoadBuiltin(b *testing.B) {
	for b.Loop() {
		if _, err := Load(Builtin()); err != nil {
			b.Fatal(err)
		}
	}
}
