package quizzes

import (
	"os"
	"testing"
)

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/basic.toml")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Parse("quizzes/basic.toml", data); err != nil {
			b.Fatal(err)
		}
	}
}
