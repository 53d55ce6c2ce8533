// Package tomlpos finds the lines on which TOML keys, array-of-tables headers and
// array elements start, so that content errors can point at a line.
//
// BurntSushi/toml reports lines only for syntax errors, and its MetaData keeps one
// position per key path, so every [[question]] shares the position of the last one.
// This scanner is deliberately small: it understands strings, comments and nesting
// well enough to find lines in a document that already parsed, and never fails.
package tomlpos

import "strings"

// Section is one table of a document: the top level, a [table] or one [[array]] entry.
type Section struct {
	Line  int              // line of the header; 1 for the top level
	Keys  map[string]int   // first segment of each key → line where it is assigned
	Items map[string][]int // key of an array value → line where each element starts
}

// Index holds the sections of a document.
type Index struct {
	Top    *Section              // keys before the first header
	Tables map[string]*Section   // [name] → section
	Arrays map[string][]*Section // [[name]] → one section per entry, in order
}

// KeyLine returns the line of key in s, or fallback when s is nil or lacks the key.
func (s *Section) KeyLine(key string, fallback int) int {
	if s == nil {
		return fallback
	}
	if l, ok := s.Keys[key]; ok {
		return l
	}
	return fallback
}

// ItemLine returns the line of the i-th element of the array assigned to key in s,
// or fallback when it is not known.
func (s *Section) ItemLine(key string, i, fallback int) int {
	if s == nil || i < 0 || i >= len(s.Items[key]) {
		return fallback
	}
	return s.Items[key][i]
}

// Entry returns the i-th [[name]] section, or nil.
func (x *Index) Entry(name string, i int) *Section {
	if i < 0 || i >= len(x.Arrays[name]) {
		return nil
	}
	return x.Arrays[name][i]
}

func newSection(line int) *Section {
	return &Section{Line: line, Keys: map[string]int{}, Items: map[string][]int{}}
}

// scanner walks the document byte by byte; state lives here so the helpers stay short.
type scanner struct {
	src  string
	i    int
	line int
}

// Scan indexes data. It accepts any input and returns whatever it could find.
func Scan(data []byte) *Index {
	x := &Index{Top: newSection(1), Tables: map[string]*Section{}, Arrays: map[string][]*Section{}}
	s := &scanner{src: strings.TrimPrefix(string(data), "\ufeff"), line: 1} // editors on Windows may add a BOM
	cur := x.Top
	var entry *Section // the current [[array]] entry, to attach [array.sub] headers to it
	curArray := ""
	for s.i < len(s.src) {
		s.skipSpace()
		if s.i >= len(s.src) {
			break
		}
		switch c := s.src[s.i]; {
		case c == '\n':
			s.newline()
		case c == '#':
			s.skipLine()
		case c == '[':
			line := s.line
			array := strings.HasPrefix(s.src[s.i:], "[[")
			name := s.header()
			switch {
			case array:
				cur = newSection(line)
				entry, curArray = cur, name
				x.Arrays[name] = append(x.Arrays[name], cur)
			case curArray != "" && strings.HasPrefix(name, curArray+"."):
				// [question.text] belongs to the current [[question]] entry.
				sub := firstSegment(name[len(curArray)+1:])
				if _, ok := entry.Keys[sub]; !ok {
					entry.Keys[sub] = line
				}
				cur = newSection(line)
			default:
				entry, curArray = nil, ""
				cur = newSection(line)
				x.Tables[name] = cur
				if _, ok := x.Top.Keys[firstSegment(name)]; !ok {
					x.Top.Keys[firstSegment(name)] = line
				}
			}
			s.skipLine()
		default:
			line := s.line
			key := s.key()
			if key != "" {
				if _, ok := cur.Keys[key]; !ok {
					cur.Keys[key] = line
				}
			}
			if s.i < len(s.src) && s.src[s.i] == '=' {
				s.i++
				s.value(cur, key)
			}
			s.skipLine()
		}
	}
	return x
}

func (s *scanner) newline() {
	s.line++
	s.i++
}

func (s *scanner) skipSpace() {
	for s.i < len(s.src) && (s.src[s.i] == ' ' || s.src[s.i] == '\t' || s.src[s.i] == '\r') {
		s.i++
	}
}

// skipLine moves to the start of the next line, honouring nothing: callers use it only
// where the rest of the line cannot open a string.
func (s *scanner) skipLine() {
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		s.i++
	}
	if s.i < len(s.src) {
		s.newline()
	}
}

// header reads "[name]" or "[[name]]" and returns name without spaces or quotes.
func (s *scanner) header() string {
	var b strings.Builder
	for s.i < len(s.src) && s.src[s.i] == '[' {
		s.i++
	}
	for s.i < len(s.src) && s.src[s.i] != ']' && s.src[s.i] != '\n' {
		switch c := s.src[s.i]; c {
		case ' ', '\t', '"', '\'':
		default:
			b.WriteByte(c)
		}
		s.i++
	}
	for s.i < len(s.src) && s.src[s.i] == ']' {
		s.i++
	}
	return b.String()
}

// key reads a (possibly dotted or quoted) key up to '=' and returns its first segment.
func (s *scanner) key() string {
	var b strings.Builder
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '=' || c == '\n' || c == '#':
			return firstSegment(b.String())
		case c == '"' || c == '\'':
			start := s.i
			s.str()
			b.WriteString(s.src[start:s.i])
		default:
			if c != ' ' && c != '\t' && c != '\r' {
				b.WriteByte(c)
			}
			s.i++
		}
	}
	return firstSegment(b.String())
}

// firstSegment returns the part of a dotted key before the first unquoted dot, unquoted.
func firstSegment(k string) string {
	if k != "" && (k[0] == '"' || k[0] == '\'') {
		if end := strings.IndexByte(k[1:], k[0]); end >= 0 {
			return k[1 : end+1]
		}
		return k[1:]
	}
	if dot := strings.IndexByte(k, '.'); dot >= 0 {
		return k[:dot]
	}
	return k
}

// value skips one value, recording where the elements of a top-level array start.
func (s *scanner) value(cur *Section, key string) {
	depth := 0
	expectItem := false
	for s.i < len(s.src) {
		c := s.src[s.i]
		if depth == 1 && expectItem && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '#' && c != ']' && c != ',' {
			cur.Items[key] = append(cur.Items[key], s.line)
			expectItem = false
		}
		switch c {
		case '\n':
			if depth == 0 {
				return
			}
			s.newline()
		case '#':
			for s.i < len(s.src) && s.src[s.i] != '\n' {
				s.i++
			}
		case '"', '\'':
			s.str()
		case '[', '{':
			depth++
			if depth == 1 && c == '[' {
				expectItem = true
			}
			s.i++
		case ']', '}':
			depth--
			s.i++
			if depth <= 0 {
				return
			}
		case ',':
			if depth == 1 {
				expectItem = true
			}
			s.i++
		default:
			s.i++
		}
	}
}

// str skips a basic, literal or multi-line string starting at s.i, counting newlines.
func (s *scanner) str() {
	// An escape at the very end of input steps past it; callers slice up to s.i.
	defer func() { s.i = min(s.i, len(s.src)) }()
	q := s.src[s.i]
	if strings.HasPrefix(s.src[s.i:], strings.Repeat(string(q), 3)) {
		s.i += 3
		closing := strings.Repeat(string(q), 3)
		for s.i < len(s.src) {
			if q == '"' && s.src[s.i] == '\\' {
				s.i++
				if s.i < len(s.src) && s.src[s.i] == '\n' {
					s.line++
				}
				s.i++
				continue
			}
			if strings.HasPrefix(s.src[s.i:], closing) {
				s.i += 3
				// A closing delimiter may be followed by up to two quotes of the content.
				for n := 0; n < 2 && s.i < len(s.src) && s.src[s.i] == q; n++ {
					s.i++
				}
				return
			}
			if s.src[s.i] == '\n' {
				s.line++
			}
			s.i++
		}
		return
	}
	s.i++
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		switch s.src[s.i] {
		case '\\':
			// Skip the escaped character, but never a newline: that would lose a line.
			if q == '"' && s.i+1 < len(s.src) && s.src[s.i+1] != '\n' {
				s.i++
			}
		case q:
			s.i++
			return
		}
		s.i++
	}
}
