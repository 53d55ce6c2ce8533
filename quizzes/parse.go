package quizzes

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"

	"custos/quizzes/tomlpos"
)

// Keys a [[question]] may hold; anything else is a typo the author wants to hear about.
var questionKeys = map[string]bool{"id": true, "lesson": true, "kind": true, "text": true, "explanation": true, "options": true}

// Parse parses and validates one bank. name is the file's path as authors know it
// (for example "quizzes/customer-information.toml"); it prefixes every problem, and
// its base name without .toml becomes Bank.Name. On any problem Parse returns a
// *ValidationError listing all of them.
func Parse(name string, data []byte) (*Bank, error) {
	c := &checker{file: name}
	raw := map[string]any{}
	if _, err := toml.Decode(string(data), &raw); err != nil {
		c.syntax(err)
		return nil, c.err()
	}
	idx := tomlpos.Scan(data)

	for _, k := range sortedKeys(raw) {
		if k != "question" {
			c.add(idx.Top.KeyLine(k, 0), "unknown key %q (a bank holds only [[question]] entries)", k)
		}
	}
	entries, ok := tables(raw["question"])
	if !ok {
		c.add(idx.Top.KeyLine("question", 0), "question must be an array of tables ([[question]])")
	}
	if ok && len(entries) == 0 {
		c.add(0, "no questions")
	}

	b := &Bank{
		Name:  strings.TrimSuffix(path.Base(name), ".toml"),
		index: make(map[string]int, len(entries)),
	}
	firstLine := map[string]int{} // question id → line, to point a duplicate at the original
	for i, e := range entries {
		sec := idx.Entry("question", i)
		line := idx.Top.ItemLine("question", i, 0) // inline `question = [...]` form
		if sec != nil {
			line = sec.Line
		}
		q, ok := c.question(e, sec, line, i)
		if !ok {
			continue
		}
		if first, dup := firstLine[q.ID]; dup {
			c.add(line, "question %q: duplicate id (first used on line %d)", q.ID, first)
			continue
		}
		firstLine[q.ID] = line
		b.index[q.ID] = len(b.Questions)
		b.Questions = append(b.Questions, q)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	b.Version = hex.EncodeToString(sum[:])
	return b, nil
}

// question validates one [[question]] entry; ok is false when it has any problem.
func (c *checker) question(e map[string]any, sec *tomlpos.Section, line, i int) (q Question, ok bool) {
	before := len(c.problems)
	q.Line = line
	label := fmt.Sprintf("question #%d", i+1)
	if id, isStr := e["id"].(string); isStr && id != "" {
		label = fmt.Sprintf("question %q", id)
	}
	at := func(key string) int { return sec.KeyLine(key, line) }

	for _, k := range sortedKeys(e) {
		if !questionKeys[k] {
			c.add(at(k), "%s: unknown key %q", label, k)
		}
	}
	switch id, isStr := e["id"].(string); {
	case e["id"] == nil:
		c.add(line, "%s: missing id", label)
	case !isStr:
		c.add(at("id"), "%s: id must be a string", label)
	case !validID(id):
		c.add(at("id"), "%s: id may hold only letters, digits, '.', '_' and '-'", label)
	default:
		q.ID = id
	}
	switch lesson, isStr := e["lesson"].(string); {
	case e["lesson"] == nil:
		c.add(line, "%s: missing lesson", label)
	case !isStr || strings.TrimSpace(lesson) == "":
		c.add(at("lesson"), "%s: lesson must name a lesson file, like \"01-why-it-matters\"", label)
	default:
		q.Lesson = lesson
	}
	switch kind, isStr := e["kind"].(string); {
	case e["kind"] == nil:
		c.add(line, "%s: missing kind (single, multiple or truefalse)", label)
	case !isStr || (Kind(kind) != Single && Kind(kind) != Multiple && Kind(kind) != TrueFalse):
		c.add(at("kind"), "%s: unknown kind %v (want single, multiple or truefalse)", label, quoted(e["kind"]))
	default:
		q.Kind = Kind(kind)
	}
	for _, field := range []string{"text", "explanation"} {
		if e[field] == nil {
			c.add(line, "%s: missing %s", label, field)
			continue
		}
		t, msgs := TextFrom(e[field])
		for _, m := range msgs {
			c.add(at(field), "%s: %s %s", label, field, m)
		}
		if field == "text" {
			q.Text = t
		} else {
			q.Explanation = t
		}
	}
	c.options(&q, e["options"], sec, line, label)
	return q, len(c.problems) == before
}

// options validates the options of q and, when they are sound, checks them against its kind.
func (c *checker) options(q *Question, v any, sec *tomlpos.Section, line int, label string) {
	optsLine := sec.KeyLine("options", line)
	if v == nil {
		c.add(line, "%s: missing options", label)
		return
	}
	entries, ok := tables(v)
	if !ok {
		c.add(optsLine, "%s: options must be a list of tables like { id = \"a\", correct = true, en = \"…\", zh-Hans = \"…\" }", label)
		return
	}
	if len(entries) < 2 {
		c.add(optsLine, "%s: needs at least 2 options, has %d", label, len(entries))
	}
	before := len(c.problems)
	seen := map[string]bool{}
	for j, e := range entries {
		at := sec.ItemLine("options", j, optsLine)
		o, ok := c.option(e, at, label, j)
		if !ok {
			continue
		}
		if seen[o.ID] {
			c.add(at, "%s: duplicate option id %q", label, o.ID)
			continue
		}
		seen[o.ID] = true
		q.Options = append(q.Options, o)
	}
	if len(c.problems) != before || len(entries) < 2 {
		return // counting correct options of a broken list only adds noise
	}

	correct := len(q.CorrectOptions())
	switch {
	case correct == 0:
		c.add(line, "%s: no correct option", label)
	case q.Kind == Single && correct > 1:
		c.add(line, "%s: kind single has %d correct options (use kind = \"multiple\")", label, correct)
	case q.Kind == Multiple && correct == 1:
		// One correct answer behind checkboxes is a guessing game with a hint missing;
		// the page would also tell the person nothing about how many to tick.
		c.add(line, "%s: kind multiple needs at least 2 correct options, has 1 (use kind = \"single\")", label)
	case q.Kind == TrueFalse && correct > 1:
		c.add(line, "%s: kind truefalse has %d correct options", label, correct)
	}
	if q.Kind == TrueFalse {
		ids := make([]string, 0, len(q.Options))
		for _, o := range q.Options {
			ids = append(ids, o.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, []string{"false", "true"}) {
			c.add(optsLine, "%s: kind truefalse needs exactly the options \"true\" and \"false\", has %s", label, quotedList(ids))
		}
	}
}

// option validates one inline option table.
func (c *checker) option(e map[string]any, line int, label string, j int) (o Option, ok bool) {
	before := len(c.problems)
	olabel := fmt.Sprintf("option #%d", j+1)
	if id, isStr := e["id"].(string); isStr && id != "" {
		olabel = fmt.Sprintf("option %q", id)
	}
	o.Text = Text{}
	for _, k := range sortedKeys(e) {
		v := e[k]
		switch {
		case k == "id":
			id, isStr := v.(string)
			if !isStr || !validID(id) {
				c.add(line, "%s: %s: id must be a string of letters, digits, '.', '_' or '-'", label, olabel)
				continue
			}
			o.ID = id
		case k == "correct":
			b, isBool := v.(bool)
			if !isBool {
				c.add(line, "%s: %s: correct must be true or false", label, olabel)
				continue
			}
			o.Correct = b
		case IsLocale(k):
			s, isStr := v.(string)
			if !isStr || strings.TrimSpace(s) == "" {
				c.add(line, "%s: %s: %s must be a non-empty string", label, olabel, k)
				continue
			}
			o.Text[k] = s
		default:
			c.add(line, "%s: %s: unknown key or locale %q (want id, correct, %s)", label, olabel, k, strings.Join(Locales, ", "))
		}
	}
	if e["id"] == nil {
		c.add(line, "%s: %s: missing id", label, olabel)
	}
	for _, l := range Locales {
		if _, has := e[l]; !has {
			c.add(line, "%s: %s: missing %s text", label, olabel, l)
		}
	}
	return o, len(c.problems) == before
}

// TextFrom converts a decoded TOML value into a Text and says what is wrong with it:
// it must be a table holding exactly the supported locales, each a non-empty string.
// The messages read after the field name, e.g. "text" + " has no zh-Hans".
func TextFrom(v any) (Text, []string) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, []string{fmt.Sprintf("must be a table of locales like { en = \"…\", zh-Hans = \"…\" }, not %s", typeName(v))}
	}
	t := Text{}
	var msgs []string
	for _, k := range sortedKeys(m) {
		if !IsLocale(k) {
			msgs = append(msgs, fmt.Sprintf("has unknown locale %q (want %s)", k, strings.Join(Locales, ", ")))
			continue
		}
		s, isStr := m[k].(string)
		if !isStr || strings.TrimSpace(s) == "" {
			msgs = append(msgs, fmt.Sprintf("%s must be a non-empty string", k))
			continue
		}
		t[k] = s
	}
	for _, l := range Locales {
		if _, has := m[l]; !has {
			msgs = append(msgs, "has no "+l)
		}
	}
	return t, msgs
}

// checker collects the problems of one file.
type checker struct {
	file     string
	problems []Problem
}

func (c *checker) add(line int, format string, args ...any) {
	c.problems = append(c.problems, Problem{File: c.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// syntax records a TOML decoding error with the line BurntSushi found it on.
func (c *checker) syntax(err error) {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		c.add(pe.Position.Line, "TOML syntax: %s", pe.Message)
		return
	}
	c.add(0, "TOML: %v", err)
}

// err returns the problems sorted by line as a *ValidationError, or nil.
func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	sort.SliceStable(c.problems, func(i, j int) bool { return c.problems[i].Line < c.problems[j].Line })
	return &ValidationError{Problems: c.problems}
}

// tables accepts both [[name]] arrays of tables and inline arrays of tables.
func tables(v any) ([]map[string]any, bool) {
	switch v := v.(type) {
	case nil:
		return nil, true
	case []map[string]any:
		return v, true
	case []any:
		out := make([]map[string]any, 0, len(v))
		for _, e := range v {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			out = append(out, m)
		}
		return out, true
	}
	return nil, false
}

// validID accepts ids that are safe in form field names and URLs and survive copy-paste.
func validID(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func quoted(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

func quotedList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = fmt.Sprintf("%q", id)
	}
	return strings.Join(q, ", ")
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return fmt.Sprintf("%T", v)
}
