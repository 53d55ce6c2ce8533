// Package certificates lays out the PDFs Custos hands out: training
// certificates and signed-undertaking receipts. It is pure layout: every
// printed word comes from the caller, and nothing here knows about HTTP or
// the database.
//
// The same input always gives the same bytes, so a stored SHA-256 of an
// issued PDF can be checked against a fresh rendering.
package certificates

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"math/bits"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

//go:embed fonts/DejaVuSans.ttf fonts/DroidSansFallbackFull.ttf
var fontFiles embed.FS

// Renderer draws certificates and receipts. It holds the parsed fonts and is
// safe for concurrent use; build one with NewRenderer and share it.
//
// Every document embeds exactly one font: a subset of DejaVu Sans merged with
// the CJK glyphs of Droid Sans Fallback it needs. fpdf spends about 2 ms of
// fixed work on each font a document embeds, whatever its size, so bold text
// is drawn from the same font with an outline stroke instead of from a
// second, bold font. That keeps a certificate near 3 ms.
type Renderer struct {
	latin *ttfFont
	cjk   *ttfFont
}

// NewRenderer parses the embedded fonts once.
func NewRenderer() (*Renderer, error) {
	load := func(name string) (*ttfFont, error) {
		data, err := fontFiles.ReadFile("fonts/" + name)
		if err != nil {
			return nil, fmt.Errorf("read font %s: %w", name, err)
		}
		f, err := parseTTF(data)
		if err != nil {
			return nil, fmt.Errorf("parse font %s: %w", name, err)
		}
		return f, nil
	}
	latin, err := load("DejaVuSans.ttf")
	if err != nil {
		return nil, err
	}
	cjk, err := load("DroidSansFallbackFull.ttf")
	if err != nil {
		return nil, err
	}
	return &Renderer{latin: latin, cjk: cjk}, nil
}

// glyph finds the face and glyph that draw c.
func (r *Renderer) glyph(c rune) (*ttfFont, uint16) {
	if c < 0x20 || c > 0xFFFF { // fpdf addresses glyphs by 16-bit code
		return nil, 0
	}
	if isCJK(c) {
		if g := r.cjk.cmap[c]; g != 0 {
			return r.cjk, g
		}
	}
	if g := r.latin.cmap[c]; g != 0 {
		return r.latin, g
	}
	if g := r.cjk.cmap[c]; g != 0 {
		return r.cjk, g
	}
	return nil, 0
}

// drawable reports whether c can be printed.
func (r *Renderer) drawable(c rune) bool {
	f, _ := r.glyph(c)
	return f != nil
}

// Faux bold: the outline stroke and the extra letter spacing, in em.
const (
	boldStroke  = 0.06
	boldSpacing = 0.025
)

// width is the advance of cleaned text s in millimetres at size points.
func (r *Renderer) width(s string, st style, size float64) float64 {
	em := 0.0
	for _, c := range s {
		if f, g := r.glyph(c); f != nil {
			em += float64(f.advance[g]) / float64(f.unitsPerEm)
			if st == bold {
				em += boldSpacing
			}
		}
	}
	return em * size * ptToMM
}

const ptToMM = 25.4 / 72

// color is an RGB colour.
type color struct{ r, g, b int }

// runeSet is a set of BMP runes that iterates in ascending order.
type runeSet [0x10000 / 64]uint64

func (s *runeSet) add(text string) {
	for _, c := range text {
		if c >= 0 && c <= 0xFFFF {
			s[c/64] |= 1 << (c % 64)
		}
	}
}

func (s *runeSet) each(fn func(rune)) {
	for i, w := range s {
		for w != 0 {
			b := bits.TrailingZeros64(w)
			fn(rune(i*64 + b))
			w &^= 1 << b
		}
	}
}

// document records drawing operations, so the font can be subset to exactly
// the characters the pages use before fpdf sees them.
type document struct {
	r           *Renderer
	orientation string
	used        runeSet
	pages       [][]func(*fpdf.Fpdf)
	cur         int // page that op appends to
	meta        metadata
	attachments []fpdf.Attachment
}

// metadata goes into the PDF information dictionary.
type metadata struct {
	title, author, subject, keywords, lang string
	created                                time.Time
}

func (r *Renderer) newDocument(orientation string, meta metadata) *document {
	return &document{r: r, orientation: orientation, meta: meta}
}

func (d *document) addPage() {
	d.pages = append(d.pages, nil)
	d.cur = len(d.pages) - 1
}

func (d *document) op(fn func(*fpdf.Fpdf)) {
	d.pages[d.cur] = append(d.pages[d.cur], fn)
}

// text draws one line of cleaned text with its baseline at y. align is 'L',
// 'C' or 'R' relative to x. It returns the drawn width.
func (d *document) text(x, y float64, align byte, st style, size float64, c color, s string) float64 {
	s = visual(s)
	w := d.r.width(s, st, size)
	switch align {
	case 'C':
		x -= w / 2
	case 'R':
		x -= w
	}
	if strings.TrimSpace(s) == "" {
		return w
	}
	d.used.add(s)
	d.op(func(p *fpdf.Fpdf) {
		p.SetFont(fontFamily, "", size)
		p.SetTextColor(c.r, c.g, c.b)
		if st == bold {
			p.SetDrawColor(c.r, c.g, c.b)
			p.SetLineWidth(size * ptToMM * boldStroke)
			p.RawWriteStr(fmt.Sprintf("2 Tr %.3f Tc", size*boldSpacing))
		}
		p.Text(x, y, s)
		if st == bold {
			p.RawWriteStr("0 Tr 0 Tc")
		}
	})
	return w
}

const fontFamily = "custos"

// subset builds the document's font: the Latin glyphs from DejaVu Sans and
// the CJK glyphs from Droid Sans Fallback, scaled to DejaVu's em square.
func (d *document) subset() []byte {
	b := newSubsetBuilder(d.r.latin, d.r.cjk)
	d.used.add(replacement) // so an empty document still has a valid font
	d.used.each(func(c rune) {
		if f, g := d.r.glyph(c); f != nil {
			b.addRune(c, f, g)
		}
	})
	return b.build("CustosSans")
}

// render lays the recorded pages out with fpdf and writes the PDF to w.
func (d *document) render(w io.Writer) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("pdf layout panicked: %v\n%s", v, debug.Stack())
		}
	}()
	p := fpdf.New(d.orientation, "mm", "A4", "")
	p.SetCompression(true)
	p.SetCatalogSort(true)
	created := d.meta.created.UTC()
	p.SetCreationDate(created)
	p.SetModificationDate(created)
	p.SetProducer("Custos", true)
	p.SetCreator("Custos", true)
	p.SetTitle(d.meta.title, true)
	p.SetAuthor(d.meta.author, true)
	p.SetSubject(d.meta.subject, true)
	if d.meta.keywords != "" {
		p.SetKeywords(d.meta.keywords, true)
	}
	if lang := safeLang(d.meta.lang); lang != "" {
		p.SetLang(lang)
	}
	if len(d.attachments) > 0 {
		p.SetAttachments(d.attachments)
	}
	p.SetAutoPageBreak(false, 0)
	p.SetMargins(0, 0, 0)
	p.AddUTF8FontFromBytes(fontFamily, "", d.subset())
	if err := p.Error(); err != nil {
		return fmt.Errorf("load fonts: %w", err)
	}
	for _, ops := range d.pages {
		p.AddPage()
		for _, op := range ops {
			op(p)
		}
	}
	var buf bytes.Buffer
	buf.Grow(64 << 10)
	if err := p.Output(&buf); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	if err := p.Error(); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// safeLang keeps a BCP 47 tag printable inside the PDF catalog, which fpdf
// writes unescaped.
func safeLang(tag string) string {
	var b strings.Builder
	for _, c := range tag {
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// Drawing helpers that record fpdf calls.

func (d *document) line(x1, y1, x2, y2, width float64, c color) {
	d.op(func(p *fpdf.Fpdf) {
		p.SetDrawColor(c.r, c.g, c.b)
		p.SetLineWidth(width)
		p.Line(x1, y1, x2, y2)
	})
}

func (d *document) rect(x, y, w, h, width float64, c color) {
	d.op(func(p *fpdf.Fpdf) {
		p.SetDrawColor(c.r, c.g, c.b)
		p.SetLineWidth(width)
		p.Rect(x, y, w, h, "D")
	})
}

func (d *document) fillRect(x, y, w, h float64, c color) {
	d.op(func(p *fpdf.Fpdf) {
		p.SetFillColor(c.r, c.g, c.b)
		p.Rect(x, y, w, h, "F")
	})
}

func (d *document) polygon(points []fpdf.PointType, c color) {
	d.op(func(p *fpdf.Fpdf) {
		p.SetFillColor(c.r, c.g, c.b)
		p.Polygon(points, "F")
	})
}

func (d *document) circle(x, y, radius, width float64, c color, fill bool) {
	d.op(func(p *fpdf.Fpdf) {
		if fill {
			p.SetFillColor(c.r, c.g, c.b)
			p.Circle(x, y, radius, "F")
			return
		}
		p.SetDrawColor(c.r, c.g, c.b)
		p.SetLineWidth(width)
		p.Circle(x, y, radius, "D")
	})
}
