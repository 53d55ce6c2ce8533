package attest

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNameMatches compares a typed name (the sign form's full_name, as posted) with a name on
// record. It must never panic and must behave as the signing page promises: the comparison is
// symmetric, a name matches itself unless nothing is left of it once spacing is dropped, and
// ASCII case and added spaces (also ideographic ones and tabs) around the name or before a
// Latin letter change nothing.
//
//	go test -run='^$' -fuzz='^FuzzNameMatches$' -fuzztime=10s ./app/attest/
func FuzzNameMatches(f *testing.F) {
	for _, seed := range [][2]string{
		{"张伟", "张 伟"}, {"ＺＨＡＮＧ　ＷＥＩ", "Zhang Wei"}, {"zhang wei", "张伟"}, {"José García", "JOSE GARCIA"},
		{"Jose\u0301", "José"}, {"", ""}, {"   ", " "}, {"\u200b", ""}, {"Aoife O'Brien", "aoife o'brien"},
		{"\xff\xfe", "\ufffd\ufffd"}, {"Straße", "STRASSE"}, {`"><svg onload=alert(1)>`, `"><SVG ONLOAD=ALERT(1)>`},
		{"I\u0307", "i\u0307"}, {"ǅ", "ǆ"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, typed, record string) {
		got := NameMatches(typed, record)
		if got != NameMatches(record, typed) {
			t.Fatalf("NameMatches(%q, %q) = %v but not the other way round", typed, record, got)
		}
		self := NameMatches(record, record)
		if self != (foldName(record) != "") {
			t.Fatalf("%q matches itself: %v", record, self)
		}
		if strings.TrimFunc(record, func(r rune) bool { return r == ' ' || r == '\u3000' || r == '\t' }) == "" && got {
			t.Fatalf("%q matches a blank record %q", typed, record)
		}
		if !utf8.ValidString(record) {
			return // names on record are valid UTF-8 (people refuses others), and the variants below would mangle it
		}
		for _, variant := range []string{asciiUpper(record), asciiLower(record), " " + record + "\u3000", "\t" + spaceBeforeLatin(record)} {
			if NameMatches(variant, record) != self {
				t.Fatalf("%q against %q: %v, but the record against itself: %v", variant, record, !self, self)
			}
			if got != NameMatches(typed, variant) {
				t.Fatalf("%q matches %q: %v, but %q: %v", typed, record, got, variant, !got)
			}
		}
	})
}

func asciiUpper(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r - 'A' + 'a'
		}
		return r
	}, s)
}

// spaceBeforeLatin puts a space before every ASCII letter: no composition joins a letter to
// what comes before it, so the space cannot change what the name folds to.
func spaceBeforeLatin(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}
