// Package quizzes parses and validates question banks, draws quizzes from them and
// scores answers. It holds the built-in banks and knows nothing of HTTP or storage.
package quizzes

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

//go:embed *.toml
var builtin embed.FS

// Builtin returns the built-in banks: one <bank>.toml per bank at the root.
func Builtin() fs.FS { return builtin }

// Locales are the locales every text must carry, in display order.
var Locales = []string{"en", "zh-Hans"}

// DefaultLocale is the locale a Text falls back to.
const DefaultLocale = "en"

// IsLocale reports whether s is one of the supported locales (case-sensitive, as in file names).
func IsLocale(s string) bool {
	for _, l := range Locales {
		if s == l {
			return true
		}
	}
	return false
}

// Text is one string per locale.
type Text map[string]string

// In returns the text in locale, falling back to English when that locale is missing.
func (t Text) In(locale string) string {
	if s, ok := t[locale]; ok && s != "" {
		return s
	}
	return t[DefaultLocale]
}

// Kind is how a question is answered.
type Kind string

// The kinds of question.
const (
	Single    Kind = "single"    // exactly one correct option, answered with a radio button
	Multiple  Kind = "multiple"  // two or more correct options, answered with checkboxes
	TrueFalse Kind = "truefalse" // options "true" and "false", one of them correct
)

// Option is one possible answer to a question.
type Option struct {
	ID      string
	Correct bool
	Text    Text
}

// Question is one entry of a bank.
type Question struct {
	ID          string
	Lesson      string // lesson file name (without locale and extension) the question tests
	Kind        Kind
	Text        Text
	Explanation Text
	Options     []Option
	Line        int // line of its [[question]] header in the bank file
}

// Option returns the option with id, or nil.
func (q *Question) Option(id string) *Option {
	for i := range q.Options {
		if q.Options[i].ID == id {
			return &q.Options[i]
		}
	}
	return nil
}

// CorrectOptions returns the ids of the correct options in bank order.
func (q *Question) CorrectOptions() []string {
	var ids []string
	for _, o := range q.Options {
		if o.Correct {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

// Bank is a parsed, valid question bank.
type Bank struct {
	Name      string // file name without .toml; what course.toml's quiz names
	Version   string // hex SHA-256 of the file bytes
	Questions []Question

	index map[string]int // question id → position; built by Parse
}

// Question returns the question with id, or nil.
func (b *Bank) Question(id string) *Question {
	if b.index != nil {
		if i, ok := b.index[id]; ok {
			return &b.Questions[i]
		}
		return nil
	}
	// A Bank built by hand rather than by Parse has no index.
	for i := range b.Questions {
		if b.Questions[i].ID == id {
			return &b.Questions[i]
		}
	}
	return nil
}

// Lessons returns the distinct lessons the bank's questions test, in order of first use.
func (b *Bank) Lessons() []string {
	var out []string
	seen := map[string]bool{}
	for _, q := range b.Questions {
		if !seen[q.Lesson] {
			seen[q.Lesson] = true
			out = append(out, q.Lesson)
		}
	}
	return out
}

// Problem is one thing wrong with a content file.
type Problem struct {
	File string // path as the author knows it, e.g. quizzes/customer-information.toml
	Line int    // 1-based; 0 when the problem concerns the whole file
	Msg  string
}

// String formats the problem as file:line: msg, the form editors and CI jump to.
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// ValidationError lists every problem found in content, so an author fixes them in one pass.
type ValidationError struct {
	Problems []Problem
}

// Error returns the problems one per line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
