package tomlpos

import "testing"

func TestScan(t *testing.T) {
	src := `# comment with [[question]] in it
title = "x" # trailing
"quoted.key" = 1

[[question]]
id = "a"
text = """
[[question]]
id = "not a key"
"""
options = [
  { id = "a", en = "[", zh-Hans = "]" }, # a comment ]
  # a comment line
  { id = "b",
    en = "B" },
]

[question.explanation]
en = "E"

[[question]]
id = "b"
controls = ["x",
  "y"]

[scope]
roles = []
`
	x := Scan([]byte(src))
	tests := []struct {
		name      string
		got, want int
	}{
		{"finds a top-level key", x.Top.KeyLine("title", 0), 2},
		{"unquotes a quoted key and keeps it whole", x.Top.KeyLine("quoted.key", 0), 3},
		{"ignores headers inside comments and strings", len(x.Arrays["question"]), 2},
		{"finds the first array entry's header", x.Entry("question", 0).Line, 5},
		{"finds the second array entry's header", x.Entry("question", 1).Line, 21},
		{"counts lines inside multi-line strings", x.Entry("question", 0).KeyLine("options", 0), 11},
		{"finds the first inline table of an array", x.Entry("question", 0).ItemLine("options", 0, 0), 12},
		{"skips comment lines between elements", x.Entry("question", 0).ItemLine("options", 1, 0), 14},
		{"finds no third element", x.Entry("question", 0).ItemLine("options", 2, -1), -1},
		{"attaches a sub-table header to its entry", x.Entry("question", 0).KeyLine("explanation", 0), 18},
		{"finds string elements on later lines", x.Entry("question", 1).ItemLine("controls", 1, 0), 24},
		{"records a standard table as a top-level key", x.Top.KeyLine("scope", 0), 26},
		{"finds keys inside a standard table", x.Tables["scope"].KeyLine("roles", 0), 27},
		{"falls back for a missing entry", x.Entry("question", 5).KeyLine("id", 99), 99},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
}

func FuzzScan(f *testing.F) {
	f.Add([]byte("a = [\n{ b = \"\"\"\n\"\"\" },\n]\n[[x]]\n[x.y]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = Scan(data) // must not panic or loop forever on any input
	})
}
