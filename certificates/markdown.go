package certificates

import (
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// span is a piece of text in one style.
type span struct {
	text  string
	style style
}

type mdKind int

const (
	mdParagraph mdKind = iota
	mdHeading
	mdCode
	mdRule
)

// mdBlock is one block of a Markdown document, flattened for layout.
type mdBlock struct {
	kind   mdKind
	level  int    // heading level
	depth  int    // list nesting
	marker string // list bullet or number on the block's first line
	quote  bool
	tight  bool // item of a tight list: less space after
	spans  []span
}

// markdownBlocks parses CommonMark into blocks. Raw HTML is kept as literal
// text: nothing in the document is interpreted beyond Markdown structure.
func markdownBlocks(src []byte) []mdBlock {
	root := goldmark.New().Parser().Parse(text.NewReader(src))
	var out []mdBlock
	var walk func(n ast.Node, depth int, quote bool, marker string, tight bool)
	walk = func(n ast.Node, depth int, quote bool, marker string, tight bool) {
		switch n := n.(type) {
		case *ast.Heading:
			out = append(out, mdBlock{kind: mdHeading, level: n.Level, depth: depth, spans: inlineSpans(n, src, regular)})
		case *ast.Paragraph, *ast.TextBlock:
			out = append(out, mdBlock{depth: depth, marker: marker, quote: quote, tight: tight, spans: inlineSpans(n, src, regular)})
		case *ast.ThematicBreak:
			out = append(out, mdBlock{kind: mdRule, depth: depth})
		case *ast.FencedCodeBlock, *ast.CodeBlock, *ast.HTMLBlock:
			out = append(out, mdBlock{kind: mdCode, depth: depth, marker: marker, spans: []span{{linesText(n, src), regular}}})
		case *ast.Blockquote:
			for c := n.FirstChild(); c != nil; c = c.NextSibling() {
				walk(c, depth, true, "", false)
			}
		case *ast.List:
			num := n.Start
			for item := n.FirstChild(); item != nil; item = item.NextSibling() {
				m := "•"
				if n.IsOrdered() {
					m = strconv.Itoa(num) + "."
					num++
				}
				first := true
				for c := item.FirstChild(); c != nil; c = c.NextSibling() {
					mk := ""
					if first {
						mk = m
					}
					walk(c, depth+1, quote, mk, n.IsTight)
					first = false
				}
				if item.FirstChild() == nil {
					out = append(out, mdBlock{depth: depth + 1, marker: m, tight: n.IsTight})
				}
			}
		default:
			for c := n.FirstChild(); c != nil; c = c.NextSibling() {
				walk(c, depth, quote, marker, tight)
			}
		}
	}
	walk(root, 0, false, "", false)
	return out
}

// linesText returns the literal lines of a code or HTML block.
func linesText(n ast.Node, src []byte) string {
	var b strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(src))
	}
	return strings.TrimRight(b.String(), "\n")
}

// inlineSpans flattens inline content: strong emphasis becomes bold, links
// keep their address in brackets, everything else is plain text.
func inlineSpans(n ast.Node, src []byte, st style) []span {
	var out []span
	add := func(s string, st style) {
		if s == "" {
			return
		}
		if k := len(out) - 1; k >= 0 && out[k].style == st {
			out[k].text += s
			return
		}
		out = append(out, span{s, st})
	}
	var walk func(n ast.Node, st style)
	walk = func(n ast.Node, st style) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				add(unescape(c.Segment.Value(src)), st)
				switch {
				case c.HardLineBreak():
					add("\n", st)
				case c.SoftLineBreak():
					add(" ", st)
				}
			case *ast.String:
				add(string(c.Value), st)
			case *ast.Emphasis:
				if c.Level >= 2 {
					walk(c, bold)
				} else {
					walk(c, st)
				}
			case *ast.CodeSpan:
				for t := c.FirstChild(); t != nil; t = t.NextSibling() {
					if tt, ok := t.(*ast.Text); ok {
						add(string(tt.Segment.Value(src)), st)
					}
				}
			case *ast.Link:
				before := len(out)
				walk(c, st)
				dest := string(c.Destination)
				if dest != "" && (len(out) == before || !strings.Contains(out[len(out)-1].text, dest)) {
					add(" <"+dest+">", st)
				}
			case *ast.AutoLink:
				add(string(c.URL(src)), st)
			case *ast.RawHTML:
				for i := 0; i < c.Segments.Len(); i++ {
					seg := c.Segments.At(i)
					add(string(seg.Value(src)), st)
				}
			default:
				walk(c, st)
			}
		}
	}
	walk(n, st)
	return out
}

func unescape(b []byte) string {
	b = util.UnescapePunctuations(b)
	b = util.ResolveNumericReferences(b)
	b = util.ResolveEntityNames(b)
	return string(b)
}
