package attest

import "testing"

func TestNamesMatchIgnoringCaseSpacingAndWidth(t *testing.T) {
	cases := []struct {
		typed, record string
		want          bool
	}{
		{"张伟", "张伟", true},
		{"张 伟", "张伟", true},
		{"张　伟", "张伟", true}, // ideographic space
		{" 张伟\t", "张伟", true},
		{"张伟", "张 伟", true},
		{"zhang wei", "张伟", false},
		{"张玮", "张伟", false},
		{"张", "张伟", false},
		{"ＺＨＡＮＧ　ＷＥＩ", "Zhang Wei", true}, // full-width letters and space
		{"ｚｈａｎｇｗｅｉ", "Zhang Wei", true},
		{"ZHANGWEI", "Zhang Wei", true},
		{"zhang  wei", "Zhang Wei", true},
		{"Zhang Wie", "Zhang Wei", false},
		{"Zhang\u200bWei", "Zhang Wei", true},            // zero-width space
		{"José Müller", "jose\u0301 mu\u0308ller", true}, // composed and decomposed accents
		{"STRASSE", "straße", true},                      // full case folding
		{"ﾔﾏﾀﾞ", "ヤマダ", true},                            // half-width katakana
		{"", "", false},
		{"   ", "张伟", false},
		{"张伟\x00", "张伟", false},
		{"\xff张伟", "张伟", false},
	}
	for _, tc := range cases {
		if got := NameMatches(tc.typed, tc.record); got != tc.want {
			t.Errorf("NameMatches(%q, %q) = %v, want %v", tc.typed, tc.record, got, tc.want)
		}
	}
}
