package quizzes

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// question returns the lines of one valid single-choice question; over replaces
// whole lines by their key ("" deletes the line), and "options" replaces the option lines.
func question(id string, over map[string]string) []string {
	lines := []struct{ key, line string }{
		{"header", "[[question]]"},
		{"id", `id = "` + id + `"`},
		{"lesson", `lesson = "l1"`},
		{"kind", `kind = "single"`},
		{"text", `text = { en = "T", zh-Hans = "T" }`},
		{"explanation", `explanation = { en = "E", zh-Hans = "E" }`},
		{"options", "options = [\n" +
			`  { id = "a", correct = true, en = "A", zh-Hans = "A" },` + "\n" +
			`  { id = "b", en = "B", zh-Hans = "B" },` + "\n" +
			"]"},
	}
	var out []string
	for _, l := range lines {
		s := l.line
		if v, ok := over[l.key]; ok {
			s = v
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func bank(parts ...[]string) []byte {
	var lines []string
	for i, p := range parts {
		if i > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, p...)
	}
	return []byte(strings.Join(lines, "\n") + "\n")
}

func opts(lines ...string) string {
	return "options = [\n  " + strings.Join(lines, "\n  ") + "\n]"
}

func TestParse(t *testing.T) {
	const file = "quizzes/x.toml"
	ok := question("q1", nil)
	tests := []struct {
		name string
		src  []byte
		want string // one line of the error
	}{
		{"reports a TOML syntax error on its line", bank(question("q1", map[string]string{"lesson": `lesson = "l1`})),
			file + ":3: TOML syntax"},
		{"rejects an unknown top-level key", bank([]string{`title = "x"`}, ok),
			file + `:1: unknown key "title"`},
		{"rejects an unknown question key", bank(question("q1", map[string]string{"kind": "kind = \"single\"\nhint = \"h\""})),
			file + `:5: question "q1": unknown key "hint"`},
		{"rejects a question without id", bank(question("q1", map[string]string{"id": ""})),
			file + `:1: question #1: missing id`},
		{"rejects a duplicate question id", bank(ok, ok),
			file + `:12: question "q1": duplicate id (first used on line 1)`},
		{"rejects an id with spaces", bank(question("q 1", nil)),
			file + `:2: question "q 1": id may hold only`},
		{"rejects a question without lesson", bank(question("q1", map[string]string{"lesson": ""})),
			file + `:1: question "q1": missing lesson`},
		{"rejects an unknown kind", bank(question("q1", map[string]string{"kind": `kind = "essay"`})),
			file + `:4: question "q1": unknown kind "essay"`},
		{"rejects a question without kind", bank(question("q1", map[string]string{"kind": ""})),
			file + `:1: question "q1": missing kind`},
		{"rejects text missing a locale", bank(question("q1", map[string]string{"text": `text = { en = "T" }`})),
			file + `:5: question "q1": text has no zh-Hans`},
		{"rejects text with an unknown locale", bank(question("q1", map[string]string{"text": `text = { en = "T", zh-Hans = "T", fr = "T" }`})),
			file + `:5: question "q1": text has unknown locale "fr"`},
		{"rejects text that is a plain string", bank(question("q1", map[string]string{"text": `text = "T"`})),
			file + `:5: question "q1": text must be a table of locales`},
		{"rejects an explanation missing a locale", bank(question("q1", map[string]string{"explanation": `explanation = { zh-Hans = "E" }`})),
			file + `:6: question "q1": explanation has no en`},
		{"rejects a question without explanation", bank(question("q1", map[string]string{"explanation": ""})),
			file + `:1: question "q1": missing explanation`},
		{"rejects an option missing a locale", bank(question("q1", map[string]string{"options": opts(
			`{ id = "a", correct = true, en = "A", zh-Hans = "A" },`,
			`{ id = "b", en = "B" },`)})),
			file + `:9: question "q1": option "b": missing zh-Hans text`},
		{"rejects an option with an unknown locale", bank(question("q1", map[string]string{"options": opts(
			`{ id = "a", correct = true, en = "A", zh-Hans = "A" },`,
			`{ id = "b", en = "B", zh-Hans = "B", zh-Hant = "B" },`)})),
			file + `:9: question "q1": option "b": unknown key or locale "zh-Hant"`},
		{"rejects an option without id", bank(question("q1", map[string]string{"options": opts(
			`{ id = "a", correct = true, en = "A", zh-Hans = "A" },`,
			`{ en = "B", zh-Hans = "B" },`)})),
			file + `:9: question "q1": option #2: missing id`},
		{"rejects fewer than two options", bank(question("q1", map[string]string{"options": opts(
			`{ id = "a", correct = true, en = "A", zh-Hans = "A" },`)})),
			file + `:7: question "q1": needs at least 2 options, has 1`},
		{"rejects a duplicate option id", bank(question("q1", map[string]string{"options": opts(
			`{ id = "a", correct = true, en = "A", zh-Hans = "A" },`,
			`{ id = "a", en = "B", zh-Hans = "B" },`)})),
			file + `:9: question "q1": duplicate option id "a"`},
		{"rejects a question with no correct option", bank(question("q1", map[string]string{"options": opts(
			`{ id = "a", en = "A", zh-Hans = "A" },`,
			`{ id = "b", en = "B", zh-Hans = "B" },`)})),
			file + `:1: question "q1": no correct option`},
		{"rejects a single question with two correct options", bank(question("q1", map[string]string{"options": opts(
			`{ id = "a", correct = true, en = "A", zh-Hans = "A" },`,
			`{ id = "b", correct = true, en = "B", zh-Hans = "B" },`)})),
			file + `:1: question "q1": kind single has 2 correct options`},
		{"rejects a multiple question with one correct option", bank(question("q1", map[string]string{"kind": `kind = "multiple"`})),
			file + `:1: question "q1": kind multiple needs at least 2 correct options, has 1 (use kind = "single")`},
		{"rejects a truefalse question whose options are not true and false", bank(question("q1", map[string]string{"kind": `kind = "truefalse"`})),
			file + `:7: question "q1": kind truefalse needs exactly the options "true" and "false", has "a", "b"`},
		{"rejects a truefalse question with both options correct", bank(question("q1", map[string]string{"kind": `kind = "truefalse"`, "options": opts(
			`{ id = "true", correct = true, en = "A", zh-Hans = "A" },`,
			`{ id = "false", correct = true, en = "B", zh-Hans = "B" },`)})),
			file + `:1: question "q1": kind truefalse has 2 correct options`},
		{"rejects correct that is not a boolean", bank(question("q1", map[string]string{"options": opts(
			`{ id = "a", correct = "yes", en = "A", zh-Hans = "A" },`,
			`{ id = "b", en = "B", zh-Hans = "B" },`)})),
			file + `:8: question "q1": option "a": correct must be true or false`},
		{"rejects an empty bank", []byte("# nothing yet\n"),
			file + `: no questions`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Parse(file, tt.src)
			if err == nil {
				t.Fatalf("Parse succeeded with %d questions; want error %q\nsource:\n%s", len(b.Questions), tt.want, tt.src)
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T is not a *ValidationError: %v", err, err)
			}
			if !hasLine(err.Error(), tt.want) {
				t.Errorf("error does not contain a line starting %q; got:\n%v\nsource:\n%s", tt.want, err, tt.src)
			}
		})
	}
}

func hasLine(msg, prefix string) bool {
	for _, l := range strings.Split(msg, "\n") {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	src := bank(
		question("q1", map[string]string{"lesson": ""}),
		question("q2", map[string]string{"kind": `kind = "essay"`}),
		question("q3", map[string]string{"text": `text = { en = "T" }`}),
	)
	_, err := Parse("quizzes/x.toml", src)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want *ValidationError, got %v", err)
	}
	want := []string{
		`quizzes/x.toml:1: question "q1": missing lesson`,
		`quizzes/x.toml:14: question "q2": unknown kind "essay" (want single, multiple or truefalse)`,
		`quizzes/x.toml:26: question "q3": text has no zh-Hans`,
	}
	if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseValidBank(t *testing.T) {
	data, err := os.ReadFile("testdata/basic.toml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("quizzes/basic.toml", data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	t.Run("names the bank after the file", func(t *testing.T) {
		if b.Name != "basic" {
			t.Errorf("Name = %q, want basic", b.Name)
		}
	})
	t.Run("versions the bank by the SHA-256 of its bytes", func(t *testing.T) {
		if len(b.Version) != 64 {
			t.Errorf("Version = %q, want 64 hex digits", b.Version)
		}
		changed, err := Parse("quizzes/basic.toml", append(data, []byte("# edited\n")...))
		if err != nil {
			t.Fatal(err)
		}
		if changed.Version == b.Version {
			t.Error("a changed byte kept the version")
		}
	})
	t.Run("records the line of each question header", func(t *testing.T) {
		if q := b.Question("l1-multiple"); q == nil || q.Line != 15 {
			t.Errorf("l1-multiple = %+v, want Line 15", q)
		}
	})
	t.Run("reads inline option texts and correct flags", func(t *testing.T) {
		q := b.Question("l1-multiple")
		if got := q.CorrectOptions(); strings.Join(got, ",") != "a,c" {
			t.Errorf("CorrectOptions = %v, want [a c]", got)
		}
		if got := q.Option("c").Text.In("zh-Hans"); got != "丙" {
			t.Errorf("option c zh-Hans = %q", got)
		}
	})
	t.Run("lists lessons in order of first use", func(t *testing.T) {
		if got := strings.Join(b.Lessons(), ","); got != "l1,l2,l3" {
			t.Errorf("Lessons = %s", got)
		}
	})
}

func TestTextInFallsBackToEnglish(t *testing.T) {
	tx := Text{"en": "hello", "zh-Hans": "你好"}
	for _, tt := range []struct{ locale, want string }{{"zh-Hans", "你好"}, {"en", "hello"}, {"fr", "hello"}, {"", "hello"}} {
		if got := tx.In(tt.locale); got != tt.want {
			t.Errorf("In(%q) = %q, want %q", tt.locale, got, tt.want)
		}
	}
}

func TestBuiltinBanksAreValid(t *testing.T) {
	names, err := fs.Glob(Builtin(), "*.toml")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Skip("no built-in banks embedded yet")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			data, err := fs.ReadFile(Builtin(), name)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Parse("quizzes/"+name, data)
			if err != nil {
				t.Fatalf("built-in bank is invalid:\n%v", err)
			}
			for _, q := range b.Questions {
				for _, l := range Locales {
					if q.Text[l] == "" || q.Explanation[l] == "" {
						t.Errorf("question %q lacks %s text", q.ID, l)
					}
				}
			}
		})
	}
}
