package attest

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// NameMatches reports whether a typed name is the name on record, ignoring case, all white
// space (also the ideographic space) and invisible formatting characters, and full-width or
// half-width forms: 张伟, "张 伟" and "张　伟" match; ＺＨＡＮＧ　ＷＥＩ matches "Zhang Wei"; a
// romanised "zhang wei" does not match 张伟. An empty name matches nothing.
func NameMatches(typed, onRecord string) bool {
	a, b := foldName(typed), foldName(onRecord)
	return a != "" && a == b
}

// foldName is the form names are compared in: width folded, composed (NFC), without spacing or
// format characters, case folded.
func foldName(s string) string {
	s = norm.NFC.String(width.Fold.String(strings.ToValidUTF8(s, "\uFFFD")))
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	return cases.Fold().String(s)
}
