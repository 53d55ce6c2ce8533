package certificates

import (
	"strings"
	"unicode"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// Text handling, from what the caller passes to what a page can show:
//
//  1. NFC normalisation, so "é" is one glyph and not e plus a floating accent.
//  2. Arabic shaping to presentation forms (fpdf knows no OpenType shaping).
//  3. Cleaning per grapheme cluster: control and format characters (zero-width
//     joiners, variation selectors, bidi controls) are dropped; a cluster
//     whose base character has no glyph in the embedded fonts (emoji,
//     characters outside the Basic Multilingual Plane, scripts the fonts lack)
//     becomes one "?"; combining marks without a glyph are dropped.
//  4. Line breaking on cluster boundaries (words, or any CJK character).
//  5. Bidi reordering of each line into visual order for right-to-left runs
//     (Hebrew, Arabic) inside a left-to-right line.

// replacement is printed for a character that no embedded font can draw.
const replacement = "?"

// style is the weight text is drawn in.
type style int

const (
	regular style = iota
	bold
)

// cleanLine prepares text that must stay on one line: whitespace runs
// (including newlines and tabs) collapse to one space.
func (r *Renderer) cleanLine(s string) string {
	return strings.Join(strings.Fields(r.clean(s)), " ")
}

// clean applies steps 1 to 3 above; newlines are kept.
func (r *Renderer) clean(s string) string {
	has := r.drawable
	s = shapeArabic(norm.NFC.String(strings.ToValidUTF8(s, replacement)), has)
	var b strings.Builder
	b.Grow(len(s))
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		cluster := g.Runes()
		base := cluster[0]
		switch {
		case base == '\n' || strings.ContainsRune(g.Str(), '\n'):
			b.WriteByte('\n')
			continue
		case base == '\t' || base == '\r' || unicode.IsSpace(base):
			b.WriteByte(' ')
			continue
		case ignorable(base):
			// A cluster that starts with a joiner or selector: keep what
			// follows it if it is drawable.
			cluster = cluster[1:]
			if len(cluster) == 0 {
				continue
			}
			base = cluster[0]
		}
		if !has(base) {
			b.WriteString(replacement)
			continue
		}
		b.WriteRune(base)
		for _, m := range cluster[1:] {
			if !ignorable(m) && has(m) {
				b.WriteRune(m)
			}
		}
	}
	return b.String()
}

// ignorable reports characters that have no visible form of their own.
func ignorable(c rune) bool {
	return unicode.Is(unicode.Cc, c) || unicode.Is(unicode.Cf, c) ||
		unicode.Is(unicode.Variation_Selector, c) || (c >= 0x1F3FB && c <= 0x1F3FF) // skin tones
}

// isCJK reports characters that are drawn with the CJK face even when the
// Latin face has a glyph, so a Chinese line does not mix two designs.
func isCJK(c rune) bool {
	switch {
	case c >= 0x2E80 && c <= 0x2FDF, // radicals
		c >= 0x3000 && c <= 0x303F, // CJK punctuation
		c >= 0x3040 && c <= 0x31FF, // kana, bopomofo, strokes
		c >= 0x3200 && c <= 0x9FFF, // enclosed, compatibility, ideographs
		c >= 0xAC00 && c <= 0xD7AF, // Hangul
		c >= 0xF900 && c <= 0xFAFF, // compatibility ideographs
		c >= 0xFE30 && c <= 0xFE4F, // compatibility forms
		c >= 0xFF00 && c <= 0xFFEF: // full- and half-width forms
		return true
	}
	return false
}

// isRTL reports strong right-to-left characters.
func isRTL(c rune) bool {
	return (c >= 0x0590 && c <= 0x08FF) || (c >= 0xFB1D && c <= 0xFDFF) || (c >= 0xFE70 && c <= 0xFEFF)
}

// clusters splits s into grapheme clusters.
func clusters(s string) []string {
	var out []string
	state := -1
	for len(s) > 0 {
		var c string
		c, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		out = append(out, c)
	}
	return out
}

// wrap breaks s into lines no wider than maxWidth (mm) at size (pt). It
// breaks at newlines, at spaces, around CJK characters, after "-" and "/",
// and inside an over-long word only between grapheme clusters.
func (r *Renderer) wrap(s string, st style, size, maxWidth float64) []string {
	var out []string
	for _, line := range r.wrapSpans([]span{{s, st}}, size, maxWidth) {
		var b strings.Builder
		for _, sp := range line {
			b.WriteString(sp.text)
		}
		out = append(out, b.String())
	}
	return out
}

type styledCluster struct {
	text  string
	style style
}

// wrapSpans is wrap for text that mixes styles.
func (r *Renderer) wrapSpans(spans []span, size, maxWidth float64) [][]span {
	var cs []styledCluster
	for _, sp := range spans {
		for _, c := range clusters(sp.text) {
			cs = append(cs, styledCluster{c, sp.style})
		}
	}
	var out [][]span
	start := 0
	for i := 0; i <= len(cs); i++ {
		if i == len(cs) || cs[i].text == "\n" {
			out = append(out, r.wrapClusters(cs[start:i], size, maxWidth)...)
			start = i + 1
		}
	}
	return out
}

func (r *Renderer) wrapClusters(cs []styledCluster, size, maxWidth float64) [][]span {
	if len(cs) == 0 {
		return [][]span{nil}
	}
	var lines [][]span
	start, lastBreak, lineW := 0, -1, 0.0 // lastBreak: the line may end after cs[lastBreak]
	for i := 0; i < len(cs); i++ {
		c := cs[i].text
		if w := r.width(c, cs[i].style, size); c == " " || lineW+w <= maxWidth || i == start {
			lineW += w
			if c == " " || c == "-" || c == "/" || isCJKCluster(c) || (i+1 < len(cs) && isCJKCluster(cs[i+1].text)) {
				lastBreak = i
			}
			continue
		}
		end := i // no break opportunity: break between clusters
		if lastBreak >= start {
			end = lastBreak + 1
		}
		lines = append(lines, joinClusters(cs[start:end]))
		for end < len(cs) && cs[end].text == " " {
			end++
		}
		start, lastBreak, lineW = end, -1, 0
		i = start - 1 // measure the carried-over clusters again
	}
	if start < len(cs) {
		lines = append(lines, joinClusters(cs[start:]))
	}
	return lines
}

// joinClusters groups clusters into spans and drops trailing spaces.
func joinClusters(cs []styledCluster) []span {
	for len(cs) > 0 && cs[len(cs)-1].text == " " {
		cs = cs[:len(cs)-1]
	}
	var out []span
	for _, c := range cs {
		if k := len(out) - 1; k >= 0 && out[k].style == c.style {
			out[k].text += c.text
			continue
		}
		out = append(out, span{c.text, c.style})
	}
	return out
}

func isCJKCluster(c string) bool {
	for _, r := range c {
		return isCJK(r)
	}
	return false
}

// visual reorders one line for display: runs of right-to-left text are
// reversed (cluster by cluster, digits kept left to right, brackets
// mirrored); the line itself stays left to right.
func visual(line string) string {
	hasRTL := false
	for _, c := range line {
		if isRTL(c) {
			hasRTL = true
			break
		}
	}
	if !hasRTL {
		return line
	}
	cs := clusters(line)
	class := make([]byte, len(cs)) // 'R', 'L', 'N' (neutral), 'D' (digit)
	for i, c := range cs {
		r := []rune(c)[0]
		switch {
		case isRTL(r):
			class[i] = 'R'
		case r >= '0' && r <= '9':
			class[i] = 'D'
		case unicode.IsLetter(r):
			class[i] = 'L'
		default:
			class[i] = 'N'
		}
	}
	var out strings.Builder
	for i := 0; i < len(cs); {
		if class[i] != 'R' {
			out.WriteString(cs[i])
			i++
			continue
		}
		// The run extends to the last R before the next L.
		end := i
		for j := i; j < len(cs) && class[j] != 'L'; j++ {
			if class[j] == 'R' {
				end = j
			}
		}
		// A bracket opened inside the run closes inside it (a simplified
		// form of the bracket-pair rule of the Unicode bidi algorithm).
		open := 0
		for j := i; j <= end; j++ {
			switch cs[j] {
			case "(", "[", "{", "«":
				open++
			case ")", "]", "}", "»":
				open = max(open-1, 0)
			}
		}
		for j := end + 1; open > 0 && j < len(cs) && class[j] == 'N'; j++ {
			if c := cs[j]; c == ")" || c == "]" || c == "}" || c == "»" {
				end = j
				open--
			}
		}
		// Units: digit groups stay in order, everything else is reversed.
		var units []string
		for j := i; j <= end; {
			if class[j] == 'D' {
				k := j
				for k <= end && (class[k] == 'D' || ((cs[k] == "." || cs[k] == ",") && k+1 <= end && class[k+1] == 'D')) {
					k++
				}
				units = append(units, strings.Join(cs[j:k], ""))
				j = k
				continue
			}
			units = append(units, mirror(cs[j]))
			j++
		}
		for k := len(units) - 1; k >= 0; k-- {
			out.WriteString(units[k])
		}
		i = end + 1
	}
	return out.String()
}

func mirror(c string) string {
	switch c {
	case "(":
		return ")"
	case ")":
		return "("
	case "[":
		return "]"
	case "]":
		return "["
	case "{":
		return "}"
	case "}":
		return "{"
	case "<":
		return ">"
	case ">":
		return "<"
	case "«":
		return "»"
	case "»":
		return "«"
	}
	return c
}

// arabicForms maps an Arabic letter to its isolated presentation form (the
// final, initial and medial forms follow it) and whether it joins on both
// sides ('D') or only to the preceding letter ('R').
var arabicForms = map[rune]struct {
	isolated rune
	joining  byte
}{
	0x0621: {0xFE80, 'U'}, 0x0622: {0xFE81, 'R'}, 0x0623: {0xFE83, 'R'}, 0x0624: {0xFE85, 'R'},
	0x0625: {0xFE87, 'R'}, 0x0626: {0xFE89, 'D'}, 0x0627: {0xFE8D, 'R'}, 0x0628: {0xFE8F, 'D'},
	0x0629: {0xFE93, 'R'}, 0x062A: {0xFE95, 'D'}, 0x062B: {0xFE99, 'D'}, 0x062C: {0xFE9D, 'D'},
	0x062D: {0xFEA1, 'D'}, 0x062E: {0xFEA5, 'D'}, 0x062F: {0xFEA9, 'R'}, 0x0630: {0xFEAB, 'R'},
	0x0631: {0xFEAD, 'R'}, 0x0632: {0xFEAF, 'R'}, 0x0633: {0xFEB1, 'D'}, 0x0634: {0xFEB5, 'D'},
	0x0635: {0xFEB9, 'D'}, 0x0636: {0xFEBD, 'D'}, 0x0637: {0xFEC1, 'D'}, 0x0638: {0xFEC5, 'D'},
	0x0639: {0xFEC9, 'D'}, 0x063A: {0xFECD, 'D'}, 0x0641: {0xFED1, 'D'}, 0x0642: {0xFED5, 'D'},
	0x0643: {0xFED9, 'D'}, 0x0644: {0xFEDD, 'D'}, 0x0645: {0xFEE1, 'D'}, 0x0646: {0xFEE5, 'D'},
	0x0647: {0xFEE9, 'D'}, 0x0648: {0xFEED, 'R'}, 0x0649: {0xFEEF, 'R'}, 0x064A: {0xFEF1, 'D'},
}

// lamAlef maps alef variants to the isolated lam-alef ligature (final follows).
var lamAlef = map[rune]rune{0x0622: 0xFEF5, 0x0623: 0xFEF7, 0x0625: 0xFEF9, 0x0627: 0xFEFB}

// shapeArabic replaces Arabic letters by their contextual presentation forms
// when the font has them; other text is returned unchanged.
func shapeArabic(s string, has func(rune) bool) string {
	hasArabic := false
	for _, c := range s {
		if c >= 0x0600 && c <= 0x06FF {
			hasArabic = true
			break
		}
	}
	if !hasArabic {
		return s
	}
	rs := []rune(s)
	transparent := func(c rune) bool { return unicode.Is(unicode.Mn, c) }
	joinType := func(c rune) byte {
		if c == 0x0640 { // tatweel
			return 'C'
		}
		if f, ok := arabicForms[c]; ok {
			return f.joining
		}
		return 0
	}
	// neighbour finds the nearest non-transparent letter in direction d.
	neighbour := func(i, d int) rune {
		for j := i + d; j >= 0 && j < len(rs); j += d {
			if !transparent(rs[j]) {
				return rs[j]
			}
		}
		return 0
	}
	out := make([]rune, 0, len(rs))
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		f, ok := arabicForms[c]
		if !ok {
			out = append(out, c)
			continue
		}
		prev := joinType(neighbour(i, -1))
		joinsBefore := (prev == 'D' || prev == 'C') && f.joining != 'U'
		if c == 0x0644 { // lam followed by alef: one ligature
			j := i + 1
			for j < len(rs) && transparent(rs[j]) {
				j++
			}
			if j < len(rs) {
				if lig, ok := lamAlef[rs[j]]; ok {
					form := lig
					if joinsBefore {
						form++
					}
					if has(form) {
						out = append(out, form)
						out = append(out, rs[i+1:j]...) // marks on the lam
						i = j
						continue
					}
				}
			}
		}
		next := joinType(neighbour(i, +1))
		joinsAfter := f.joining == 'D' && (next == 'D' || next == 'R' || next == 'C')
		form := f.isolated
		switch {
		case joinsBefore && joinsAfter:
			form += 3
		case joinsAfter:
			form += 2
		case joinsBefore:
			form++
		}
		if !has(form) {
			form = c
		}
		out = append(out, form)
	}
	return string(out)
}
