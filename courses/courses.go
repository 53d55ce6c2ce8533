// Package courses loads and validates course content: course.toml files, lessons in
// Markdown, undertakings to sign and the quiz banks they use. It holds the built-in
// courses and renders every lesson once at load; it knows nothing of HTTP or storage.
package courses

import (
	"embed"
	"html/template"
	"io/fs"
	"slices"
	"strings"
	"time"

	"custos/quizzes"
)

// The built-in content. Patterns rather than directory names, so a new built-in course
// needs no code change; none of them reaches testdata/, whose files sit deeper.
//
//go:embed */*.toml */lessons/*.md undertakings/*.md
var content embed.FS

// Builtin returns the built-in content as a root holding courses/ and quizzes/, the
// same layout as CUSTOS_CONTENT_DIR.
func Builtin() fs.FS {
	return mountFS{"courses": content, "quizzes": quizzes.Builtin()}
}

// Text is one string per locale; see quizzes.Text.
type Text = quizzes.Text

// Roles a course scope may name; they match the people roles of the product.
var Roles = []string{"employee", "manager", "auditor", "admin"}

// Part is something a person must complete in a course.
type Part string

// The parts of a course, in the order a person does them.
const (
	PartLessons     Part = "lessons"
	PartQuiz        Part = "quiz"
	PartUndertaking Part = "undertaking"
)

// Catalog is a complete, valid set of content.
type Catalog struct {
	Courses      []*Course                // sorted by slug
	Undertakings map[string]*Undertaking  // by name
	Banks        map[string]*quizzes.Bank // by name

	bySlug map[string]*Course
}

// Get returns the course with slug, or nil.
func (c *Catalog) Get(slug string) *Course {
	if c.bySlug != nil {
		return c.bySlug[slug]
	}
	for _, co := range c.Courses {
		if co.Slug == slug {
			return co
		}
	}
	return nil
}

// Scope says who a course is for; an empty list means everyone.
type Scope struct {
	Departments []string // free text, compared with people's departments ignoring case
	Roles       []string // from Roles
}

// Course is one validated course.
type Course struct {
	Slug          string
	Title         Text
	Summary       Text
	Recurrence    Period
	WindowDays    int
	Scope         Scope
	Quiz          string        // bank name; empty when the course has no quiz
	Bank          *quizzes.Bank // nil when the course has no quiz
	Questions     int           // drawn per attempt
	PassMark      int           // percent, 1–100
	MaxAttempts   int           // per cycle
	Cooldown      time.Duration // between failed attempts
	TimeLimit     time.Duration // per attempt; 0 for none
	RevealAnswers bool          // show correct answers and explanations after an attempt
	Undertaking   *Undertaking  // nil when the course has none
	Controls      []string      // control ids the course evidences, e.g. PIPL-51
	Lessons       []Lesson
	// Version is the hex SHA-256 of everything a person reads or answers in the course:
	// course.toml, every lesson file, the bank version and the undertaking versions.
	Version string
}

// Lesson is one lesson of a course, rendered in every locale.
type Lesson struct {
	Slug    string // file name without locale and extension, e.g. 01-why-it-matters
	Index   int    // 1-based position, the n in /courses/{slug}/lessons/{n}
	MinRead time.Duration
	Title   Text                     // the first # heading, per locale
	HTML    map[string]template.HTML // the whole lesson (heading included), per locale
	Source  map[string][]byte        // the file as written, per locale
}

// Undertaking is a document people sign, in every locale.
type Undertaking struct {
	Name string
	Docs map[string]Document // by locale
}

// Doc returns the document in locale, falling back to English.
func (u *Undertaking) Doc(locale string) Document {
	if d, ok := u.Docs[locale]; ok {
		return d
	}
	return u.Docs[quizzes.DefaultLocale]
}

// Document is one locale of an undertaking.
type Document struct {
	Locale  string
	Title   string        // the first # heading
	Text    string        // the exact Markdown shown and signed
	HTML    template.HTML // Text rendered
	Version string        // hex SHA-256 of Text: what a signature records
}

// HasLessons reports whether the course has lessons to read.
func (c *Course) HasLessons() bool { return len(c.Lessons) > 0 }

// HasQuiz reports whether the course has a quiz to pass.
func (c *Course) HasQuiz() bool { return c.Bank != nil }

// HasUndertaking reports whether the course has an undertaking to sign.
func (c *Course) HasUndertaking() bool { return c.Undertaking != nil }

// Parts lists what a person must complete, in order.
func (c *Course) Parts() []Part {
	var p []Part
	if c.HasLessons() {
		p = append(p, PartLessons)
	}
	if c.HasQuiz() {
		p = append(p, PartQuiz)
	}
	if c.HasUndertaking() {
		p = append(p, PartUndertaking)
	}
	return p
}

// Lesson returns lesson n (1-based, as in the URL), or nil when out of range.
func (c *Course) Lesson(n int) *Lesson {
	if n < 1 || n > len(c.Lessons) {
		return nil
	}
	return &c.Lessons[n-1]
}

// LessonSlugs returns the lesson slugs in order; Bank.Draw takes them.
func (c *Course) LessonSlugs() []string {
	s := make([]string, len(c.Lessons))
	for i, l := range c.Lessons {
		s[i] = l.Slug
	}
	return s
}

// InScope reports whether a person in department with role must take the course.
// Both the department and the role must match when the scope lists them. Scope role
// "employee" also takes in managers and admins: they are employees too and train.
func (c *Course) InScope(department, role string) bool {
	if len(c.Scope.Departments) > 0 && !slices.ContainsFunc(c.Scope.Departments, func(d string) bool {
		return strings.EqualFold(strings.TrimSpace(d), strings.TrimSpace(department))
	}) {
		return false
	}
	if len(c.Scope.Roles) == 0 || slices.Contains(c.Scope.Roles, role) {
		return true
	}
	return slices.Contains(c.Scope.Roles, "employee") && (role == "manager" || role == "admin")
}
