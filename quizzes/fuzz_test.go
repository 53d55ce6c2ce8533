package quizzes

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/BurntSushi/toml"
)

func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.toml")
	for _, p := range seeds {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	// The built-in banks are not seeds on purpose: the fuzzer minimizes every new
	// interesting input, and minimizing a 70 KB bank stalls a 30-second run for minutes.
	f.Add(bank(question("q1", map[string]string{"kind": `kind = "truefalse"`})))
	f.Add([]byte("[[question]]\ntext = \"\"\"\n[[question]]\n\"\"\"\n"))
	f.Add([]byte("question = [{ id = \"q\" }]\n[question.text]\nen = 1\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse("quizzes/fuzz.toml", data)
		if err != nil {
			if _, ok := err.(*ValidationError); !ok {
				t.Fatalf("error %T is not a *ValidationError", err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		// A bank that passed must still pass when written out again and must read the same.
		again, err := Parse("quizzes/fuzz.toml", encode(t, b))
		if err != nil {
			t.Fatalf("re-encoded bank is invalid: %v", err)
		}
		if !reflect.DeepEqual(withoutLines(b.Questions), withoutLines(again.Questions)) {
			t.Fatalf("round trip changed the questions:\n%+v\n%+v", b.Questions, again.Questions)
		}
	})
}

func withoutLines(qs []Question) []Question {
	out := make([]Question, len(qs))
	for i, q := range qs {
		q.Line = 0
		out[i] = q
	}
	return out
}

// encode writes a bank back in the content format, with options as [[question.options]].
func encode(t *testing.T, b *Bank) []byte {
	var qs []map[string]any
	for _, q := range b.Questions {
		var opts []map[string]any
		for _, o := range q.Options {
			m := map[string]any{"id": o.ID, "correct": o.Correct}
			for l, s := range o.Text {
				m[l] = s
			}
			opts = append(opts, m)
		}
		qs = append(qs, map[string]any{
			"id": q.ID, "lesson": q.Lesson, "kind": string(q.Kind),
			"text": map[string]string(q.Text), "explanation": map[string]string(q.Explanation),
			"options": opts,
		})
	}
	var buf bytes.Buffer
	if err := toml.NewEncoder(&buf).Encode(map[string]any{"question": qs}); err != nil {
		t.Fatalf("encode: %v", err)
	}
	return buf.Bytes()
}
