package certificates

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
)

// This file holds a small TrueType reader and subsetter. fpdf parses the whole
// TTF for every document it is given (tens of milliseconds and megabytes for
// a CJK font), so the fonts are parsed once, in NewRenderer, and each document
// is handed a tiny merged font that holds only the glyphs it prints: Latin
// glyphs from one face and CJK glyphs from the other, rescaled to one em
// square. fpdf's own parser then has almost nothing to do.

// ttfFont is a parsed TrueType font, read-only after parseTTF.
type ttfFont struct {
	unitsPerEm int
	glyf       []byte
	loca       []uint32 // numGlyphs+1 offsets into glyf
	advance    []uint16 // per glyph
	lsb        []int16  // per glyph
	cmap       []uint16 // BMP rune -> glyph id; 0 = missing
	head       []byte
	hhea       []byte
	maxp       []byte
	os2        []byte
	post       []byte
}

var errNotTrueType = errors.New("not a TrueType (glyf) font: .ttc collections and CFF-based .otf files are not supported")

// parseTTF reads the tables the subsetter needs.
func parseTTF(data []byte) (*ttfFont, error) {
	if len(data) < 12 {
		return nil, errNotTrueType
	}
	if v := binary.BigEndian.Uint32(data); v != 0x00010000 && v != 0x74727565 { // 1.0 or 'true'
		return nil, errNotTrueType
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	tables := make(map[string][]byte, n)
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(data) {
			return nil, fmt.Errorf("table directory truncated")
		}
		tag := string(data[rec : rec+4])
		off := int(binary.BigEndian.Uint32(data[rec+8:]))
		length := int(binary.BigEndian.Uint32(data[rec+12:]))
		if off < 0 || length < 0 || off+length > len(data) {
			return nil, fmt.Errorf("table %q out of bounds", tag)
		}
		tables[tag] = data[off : off+length]
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap", "OS/2", "post"} {
		if tables[tag] == nil {
			if tag == "glyf" || tag == "loca" {
				return nil, errNotTrueType
			}
			return nil, fmt.Errorf("missing %q table", tag)
		}
	}
	f := &ttfFont{
		glyf: tables["glyf"], head: tables["head"], hhea: tables["hhea"],
		maxp: tables["maxp"], os2: tables["OS/2"], post: tables["post"],
	}
	if len(f.head) < 54 || len(f.hhea) < 36 || len(f.maxp) < 6 || len(f.post) < 32 || len(f.os2) < 78 {
		return nil, fmt.Errorf("header table too short")
	}
	f.unitsPerEm = int(binary.BigEndian.Uint16(f.head[18:]))
	if f.unitsPerEm == 0 {
		return nil, fmt.Errorf("unitsPerEm is zero")
	}
	numGlyphs := int(binary.BigEndian.Uint16(f.maxp[4:]))
	longLoca := binary.BigEndian.Uint16(f.head[50:]) == 1
	loca := tables["loca"]
	f.loca = make([]uint32, numGlyphs+1)
	for i := range f.loca {
		if longLoca {
			if 4*i+4 > len(loca) {
				return nil, fmt.Errorf("loca table truncated")
			}
			f.loca[i] = binary.BigEndian.Uint32(loca[4*i:])
		} else {
			if 2*i+2 > len(loca) {
				return nil, fmt.Errorf("loca table truncated")
			}
			f.loca[i] = 2 * uint32(binary.BigEndian.Uint16(loca[2*i:]))
		}
		if int(f.loca[i]) > len(f.glyf) || (i > 0 && f.loca[i] < f.loca[i-1]) {
			return nil, fmt.Errorf("loca entry %d out of bounds", i)
		}
	}
	hmtx := tables["hmtx"]
	numH := int(binary.BigEndian.Uint16(f.hhea[34:]))
	if numH == 0 || numH > numGlyphs || len(hmtx) < 4*numH+2*(numGlyphs-numH) {
		return nil, fmt.Errorf("hmtx table inconsistent with hhea")
	}
	f.advance = make([]uint16, numGlyphs)
	f.lsb = make([]int16, numGlyphs)
	for g := 0; g < numGlyphs; g++ {
		if g < numH {
			f.advance[g] = binary.BigEndian.Uint16(hmtx[4*g:])
			f.lsb[g] = int16(binary.BigEndian.Uint16(hmtx[4*g+2:]))
		} else {
			f.advance[g] = f.advance[numH-1]
			f.lsb[g] = int16(binary.BigEndian.Uint16(hmtx[4*numH+2*(g-numH):]))
		}
	}
	cmap, err := parseCmap(tables["cmap"], numGlyphs)
	if err != nil {
		return nil, fmt.Errorf("cmap: %w", err)
	}
	f.cmap = cmap
	return f, nil
}

// parseCmap returns the BMP part of the best Unicode subtable (format 12 or 4).
func parseCmap(t []byte, numGlyphs int) ([]uint16, error) {
	if len(t) < 4 {
		return nil, fmt.Errorf("too short")
	}
	n := int(binary.BigEndian.Uint16(t[2:]))
	best, bestScore := -1, 0
	for i := 0; i < n; i++ {
		rec := 4 + 8*i
		if rec+8 > len(t) {
			return nil, fmt.Errorf("encoding records truncated")
		}
		platform := binary.BigEndian.Uint16(t[rec:])
		encoding := binary.BigEndian.Uint16(t[rec+2:])
		off := int(binary.BigEndian.Uint32(t[rec+4:]))
		if off+2 > len(t) {
			continue
		}
		format := binary.BigEndian.Uint16(t[off:])
		score := 0
		switch {
		case format == 12 && (platform == 0 || (platform == 3 && encoding == 10)):
			score = 2
		case format == 4 && (platform == 0 || (platform == 3 && encoding == 1)):
			score = 1
		}
		if score > bestScore {
			best, bestScore = off, score
		}
	}
	if best < 0 {
		return nil, fmt.Errorf("no Unicode subtable in format 4 or 12")
	}
	m := make([]uint16, 0x10000)
	set := func(r uint32, g uint32) {
		if r < 0x10000 && g < uint32(numGlyphs) {
			m[r] = uint16(g)
		}
	}
	s := t[best:]
	if bestScore == 2 {
		if len(s) < 16 {
			return nil, fmt.Errorf("format 12 truncated")
		}
		groups := int(binary.BigEndian.Uint32(s[12:]))
		if 16+12*groups > len(s) {
			return nil, fmt.Errorf("format 12 truncated")
		}
		for i := 0; i < groups; i++ {
			g := s[16+12*i:]
			start, end, gid := binary.BigEndian.Uint32(g), binary.BigEndian.Uint32(g[4:]), binary.BigEndian.Uint32(g[8:])
			for r := start; r <= end && r < 0x10000; r++ {
				set(r, gid+(r-start))
			}
		}
		return m, nil
	}
	if len(s) < 14 {
		return nil, fmt.Errorf("format 4 truncated")
	}
	segs := int(binary.BigEndian.Uint16(s[6:])) / 2
	if 16+8*segs > len(s) {
		return nil, fmt.Errorf("format 4 truncated")
	}
	ends, starts := s[14:], s[16+2*segs:]
	deltas, ranges := s[16+4*segs:], s[16+6*segs:]
	for i := 0; i < segs; i++ {
		end := uint32(binary.BigEndian.Uint16(ends[2*i:]))
		start := uint32(binary.BigEndian.Uint16(starts[2*i:]))
		delta := uint32(binary.BigEndian.Uint16(deltas[2*i:]))
		ro := int(binary.BigEndian.Uint16(ranges[2*i:]))
		for r := start; r <= end && r != 0xFFFF; r++ {
			if ro == 0 {
				set(r, (r+delta)&0xFFFF)
				continue
			}
			pos := 16 + 6*segs + 2*i + ro + 2*int(r-start)
			if pos+2 > len(s) {
				break
			}
			if g := uint32(binary.BigEndian.Uint16(s[pos:])); g != 0 {
				set(r, (g+delta)&0xFFFF)
			}
		}
	}
	return m, nil
}

// glyph returns the raw outline data of glyph g (empty for blank glyphs).
func (f *ttfFont) glyph(g uint16) []byte {
	if int(g)+1 >= len(f.loca) {
		return nil
	}
	return f.glyf[f.loca[g]:f.loca[g+1]]
}

// Composite glyph flags (TrueType 'glyf' table).
const (
	cgArgsAreWords    = 0x0001
	cgArgsAreXY       = 0x0002
	cgHaveScale       = 0x0008
	cgMoreComponents  = 0x0020
	cgHaveXYScale     = 0x0040
	cgHaveTwoByTwo    = 0x0080
	cgHaveInstruction = 0x0100
)

// components lists the glyph ids a composite glyph refers to.
func components(data []byte) []uint16 {
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
		return nil
	}
	var out []uint16
	p := 10
	for {
		if p+4 > len(data) {
			return out
		}
		flags := binary.BigEndian.Uint16(data[p:])
		out = append(out, binary.BigEndian.Uint16(data[p+2:]))
		p += 4 + componentTail(flags)
		if flags&cgMoreComponents == 0 {
			return out
		}
	}
}

// componentTail is the size of a component record after flags and glyph id.
func componentTail(flags uint16) int {
	n := 2
	if flags&cgArgsAreWords != 0 {
		n = 4
	}
	switch {
	case flags&cgHaveScale != 0:
		n += 2
	case flags&cgHaveXYScale != 0:
		n += 4
	case flags&cgHaveTwoByTwo != 0:
		n += 8
	}
	return n
}

// glyphSource names one glyph of one source font.
type glyphSource struct {
	font *ttfFont
	gid  uint16
}

// subsetBuilder assembles a TrueType font from glyphs of several fonts. The
// result uses the em square and the vertical metrics of base.
type subsetBuilder struct {
	base   *ttfFont
	others []*ttfFont
	order  []glyphSource
	index  map[glyphSource]uint16
	cmap   []runeGlyph
}

type runeGlyph struct {
	r   rune
	gid uint16
}

func newSubsetBuilder(base *ttfFont, others ...*ttfFont) *subsetBuilder {
	b := &subsetBuilder{base: base, others: others, index: make(map[glyphSource]uint16, 128)}
	b.add(glyphSource{base, 0}) // .notdef
	return b
}

// add puts a glyph, and the glyphs it is built from, into the subset.
func (b *subsetBuilder) add(src glyphSource) uint16 {
	if id, ok := b.index[src]; ok {
		return id
	}
	id := uint16(len(b.order))
	b.index[src] = id
	b.order = append(b.order, src)
	for _, c := range components(src.font.glyph(src.gid)) {
		b.add(glyphSource{src.font, c})
	}
	return id
}

// addRune maps r to glyph gid of font f. Runes must be added in ascending order.
func (b *subsetBuilder) addRune(r rune, f *ttfFont, gid uint16) {
	b.cmap = append(b.cmap, runeGlyph{r, b.add(glyphSource{f, gid})})
}

// build writes the subset as a TrueType font file. name becomes the family name.
func (b *subsetBuilder) build(name string) []byte {
	upem := b.base.unitsPerEm
	var glyf []byte
	loca := make([]uint32, 0, len(b.order)+1)
	hmtx := make([]byte, 0, 4*len(b.order))
	var advMax uint16
	var xMin, yMin, xMax, yMax int16 = math.MaxInt16, math.MaxInt16, math.MinInt16, math.MinInt16
	for _, src := range b.order {
		loca = append(loca, uint32(len(glyf)))
		scale := float64(upem) / float64(src.font.unitsPerEm)
		data := src.font.glyph(src.gid)
		start := len(glyf)
		glyf = b.appendGlyph(glyf, data, src.font, scale)
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		if len(glyf)-start >= 10 {
			g := glyf[start:]
			xMin = min(xMin, int16(binary.BigEndian.Uint16(g[2:])))
			yMin = min(yMin, int16(binary.BigEndian.Uint16(g[4:])))
			xMax = max(xMax, int16(binary.BigEndian.Uint16(g[6:])))
			yMax = max(yMax, int16(binary.BigEndian.Uint16(g[8:])))
		}
		adv := scaleU(src.font.advance[src.gid], scale)
		advMax = max(advMax, adv)
		hmtx = binary.BigEndian.AppendUint16(hmtx, adv)
		hmtx = binary.BigEndian.AppendUint16(hmtx, uint16(scaleI(src.font.lsb[src.gid], scale)))
	}
	loca = append(loca, uint32(len(glyf)))
	if xMin > xMax {
		xMin, yMin, xMax, yMax = 0, 0, 0, 0
	}
	numGlyphs := uint16(len(b.order))

	head := slices.Clone(b.base.head[:54])
	binary.BigEndian.PutUint32(head[8:], 0) // checkSumAdjustment: fpdf recomputes it
	binary.BigEndian.PutUint16(head[36:], uint16(xMin))
	binary.BigEndian.PutUint16(head[38:], uint16(yMin))
	binary.BigEndian.PutUint16(head[40:], uint16(xMax))
	binary.BigEndian.PutUint16(head[42:], uint16(yMax))
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	binary.BigEndian.PutUint16(head[52:], 0) // glyphDataFormat

	hhea := slices.Clone(b.base.hhea[:36])
	binary.BigEndian.PutUint16(hhea[10:], advMax)
	binary.BigEndian.PutUint16(hhea[34:], numGlyphs)

	maxp := slices.Clone(b.base.maxp)
	binary.BigEndian.PutUint16(maxp[4:], numGlyphs)
	if len(maxp) >= 32 {
		// Take the larger limits of all sources (points, contours, depth…).
		for _, o := range b.others {
			if len(o.maxp) >= 32 {
				for off := 6; off < 32; off += 2 {
					binary.BigEndian.PutUint16(maxp[off:], max(binary.BigEndian.Uint16(maxp[off:]), binary.BigEndian.Uint16(o.maxp[off:])))
				}
			}
		}
	}

	post := slices.Clone(b.base.post[:32])
	binary.BigEndian.PutUint32(post, 0x00030000) // no glyph names

	locaBytes := make([]byte, 0, 4*len(loca))
	for _, o := range loca {
		locaBytes = binary.BigEndian.AppendUint32(locaBytes, o)
	}
	tables := []struct {
		tag  string
		data []byte
	}{
		{"OS/2", b.base.os2},
		{"cmap", b.cmapTable()},
		{"glyf", glyf},
		{"head", head},
		{"hhea", hhea},
		{"hmtx", hmtx},
		{"loca", locaBytes},
		{"maxp", maxp},
		{"name", nameTable(name)},
		{"post", post},
	}
	out := make([]byte, 12+16*len(tables), 12+16*len(tables)+len(glyf)+len(hmtx)+len(locaBytes)+1024)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(len(tables)))
	binary.BigEndian.PutUint16(out[6:], 128) // searchRange for 10 tables
	binary.BigEndian.PutUint16(out[8:], 3)
	binary.BigEndian.PutUint16(out[10:], uint16(16*len(tables)-128))
	for i, t := range tables {
		rec := out[12+16*i:]
		copy(rec, t.tag)
		binary.BigEndian.PutUint32(rec[4:], tableChecksum(t.data))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(t.data)))
		out = append(out, t.data...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}

// appendGlyph copies one glyph, renumbering components, dropping hinting
// instructions and scaling coordinates when the source em square differs.
func (b *subsetBuilder) appendGlyph(dst, data []byte, f *ttfFont, scale float64) []byte {
	if len(data) < 10 {
		return dst
	}
	contours := int16(binary.BigEndian.Uint16(data))
	if contours < 0 {
		return b.appendComposite(dst, data, f, scale)
	}
	out, ok := appendSimple(dst, data, int(contours), scale)
	if !ok {
		return dst // malformed outline: leave the glyph blank rather than fail
	}
	return out
}

func (b *subsetBuilder) appendComposite(dst, data []byte, f *ttfFont, scale float64) []byte {
	start := len(dst)
	dst = append(dst, data[:2]...)
	dst = appendBBox(dst, data, scale)
	p := 10
	for {
		if p+4 > len(data) {
			return dst[:start]
		}
		flags := binary.BigEndian.Uint16(data[p:])
		gid := binary.BigEndian.Uint16(data[p+2:])
		tail := componentTail(flags)
		if p+4+tail > len(data) {
			return dst[:start]
		}
		args := data[p+4 : p+4+tail]
		newFlags := flags &^ cgHaveInstruction
		if scale != 1 && flags&cgArgsAreXY != 0 {
			newFlags |= cgArgsAreWords
		}
		dst = binary.BigEndian.AppendUint16(dst, newFlags)
		dst = binary.BigEndian.AppendUint16(dst, b.index[glyphSource{f, gid}])
		switch {
		case scale != 1 && flags&cgArgsAreXY != 0:
			var dx, dy int16
			if flags&cgArgsAreWords != 0 {
				dx, dy = int16(binary.BigEndian.Uint16(args)), int16(binary.BigEndian.Uint16(args[2:]))
			} else {
				dx, dy = int16(int8(args[0])), int16(int8(args[1]))
			}
			dst = binary.BigEndian.AppendUint16(dst, uint16(scaleI(dx, scale)))
			dst = binary.BigEndian.AppendUint16(dst, uint16(scaleI(dy, scale)))
			if flags&cgArgsAreWords != 0 {
				dst = append(dst, args[4:]...)
			} else {
				dst = append(dst, args[2:]...)
			}
		default:
			dst = append(dst, args...)
		}
		p += 4 + tail
		if flags&cgMoreComponents == 0 {
			return dst
		}
	}
}

// appendSimple re-encodes a simple glyph without instructions, scaled.
func appendSimple(dst, data []byte, contours int, scale float64) ([]byte, bool) {
	p := 10 + 2*contours
	if p+2 > len(data) {
		return dst, false
	}
	points := 0
	if contours > 0 {
		points = int(binary.BigEndian.Uint16(data[p-2:])) + 1
	}
	instrLen := int(binary.BigEndian.Uint16(data[p:]))
	flagsAt := p + 2 + instrLen
	if flagsAt > len(data) {
		return dst, false
	}
	if scale == 1 {
		// Keep the outline bytes, only drop the instructions.
		dst = append(dst, data[:p]...)
		dst = append(dst, 0, 0)
		return append(dst, data[flagsAt:]...), true
	}
	flags := make([]byte, 0, points)
	q := flagsAt
	for len(flags) < points {
		if q >= len(data) {
			return dst, false
		}
		fl := data[q]
		q++
		flags = append(flags, fl)
		if fl&0x08 != 0 {
			if q >= len(data) {
				return dst, false
			}
			for n := int(data[q]); n > 0 && len(flags) < points; n-- {
				flags = append(flags, fl)
			}
			q++
		}
	}
	xs := make([]int32, points)
	ys := make([]int32, points)
	var ok bool
	if q, ok = readCoords(data, q, flags, xs, 0x02, 0x10); !ok {
		return dst, false
	}
	if _, ok = readCoords(data, q, flags, ys, 0x04, 0x20); !ok {
		return dst, false
	}
	dst = append(dst, data[:2]...)
	dst = appendBBox(dst, data, scale)
	dst = append(dst, data[10:p]...) // endPtsOfContours
	dst = append(dst, 0, 0)          // no instructions
	// Absolute coordinates are scaled, then re-encoded as deltas, so
	// rounding errors never accumulate along a contour.
	var px, py int32
	dx := make([]int32, points)
	dy := make([]int32, points)
	for i := range points {
		x, y := int32(math.Round(float64(xs[i])*scale)), int32(math.Round(float64(ys[i])*scale))
		dx[i], dy[i] = x-px, y-py
		px, py = x, y
	}
	for i := range points {
		fl := flags[i] & 0x01 // on-curve
		fl |= deltaFlag(dx[i], 0x02, 0x10)
		fl |= deltaFlag(dy[i], 0x04, 0x20)
		dst = append(dst, fl)
	}
	dst = appendDeltas(dst, dx)
	dst = appendDeltas(dst, dy)
	return dst, true
}

func readCoords(data []byte, q int, flags []byte, out []int32, short, same byte) (int, bool) {
	var v int32
	for i, fl := range flags {
		switch {
		case fl&short != 0:
			if q >= len(data) {
				return q, false
			}
			d := int32(data[q])
			q++
			if fl&same == 0 {
				d = -d
			}
			v += d
		case fl&same == 0:
			if q+2 > len(data) {
				return q, false
			}
			v += int32(int16(binary.BigEndian.Uint16(data[q:])))
			q += 2
		}
		out[i] = v
	}
	return q, true
}

func deltaFlag(d int32, short, same byte) byte {
	switch {
	case d == 0:
		return same
	case d > 0 && d < 256:
		return short | same
	case d < 0 && d > -256:
		return short
	}
	return 0
}

func appendDeltas(dst []byte, ds []int32) []byte {
	for _, d := range ds {
		switch {
		case d == 0:
		case d > 0 && d < 256:
			dst = append(dst, byte(d))
		case d < 0 && d > -256:
			dst = append(dst, byte(-d))
		default:
			dst = binary.BigEndian.AppendUint16(dst, uint16(clamp16(d)))
		}
	}
	return dst
}

func appendBBox(dst, data []byte, scale float64) []byte {
	for i := 0; i < 4; i++ {
		v := int16(binary.BigEndian.Uint16(data[2+2*i:]))
		dst = binary.BigEndian.AppendUint16(dst, uint16(scaleI(v, scale)))
	}
	return dst
}

func scaleI(v int16, scale float64) int16 {
	return int16(clamp16(int32(math.Round(float64(v) * scale))))
}

func scaleU(v uint16, scale float64) uint16 {
	return uint16(min(math.Round(float64(v)*scale), math.MaxUint16))
}

func clamp16(v int32) int32 {
	return max(math.MinInt16, min(math.MaxInt16, v))
}

// cmapTable writes a format 4 cmap; consecutive runes with consecutive glyph
// ids share a segment.
func (b *subsetBuilder) cmapTable() []byte {
	type seg struct{ start, end, delta uint16 }
	var segs []seg
	for _, m := range b.cmap {
		r := uint16(m.r)
		if n := len(segs); n > 0 && segs[n-1].end+1 == r && uint16(r+segs[n-1].delta) == m.gid {
			segs[n-1].end = r
			continue
		}
		segs = append(segs, seg{r, r, m.gid - r})
	}
	segs = append(segs, seg{0xFFFF, 0xFFFF, 1})
	n := len(segs)
	searchRange, selector := 2, 0
	for searchRange*2 <= 2*n {
		searchRange *= 2
		selector++
	}
	length := 16 + 8*n
	t := make([]byte, 0, 12+length)
	t = binary.BigEndian.AppendUint16(t, 0)  // version
	t = binary.BigEndian.AppendUint16(t, 1)  // one subtable
	t = binary.BigEndian.AppendUint16(t, 3)  // Windows
	t = binary.BigEndian.AppendUint16(t, 1)  // Unicode BMP
	t = binary.BigEndian.AppendUint32(t, 12) // offset
	t = binary.BigEndian.AppendUint16(t, 4)
	t = binary.BigEndian.AppendUint16(t, uint16(length))
	t = binary.BigEndian.AppendUint16(t, 0) // language
	t = binary.BigEndian.AppendUint16(t, uint16(2*n))
	t = binary.BigEndian.AppendUint16(t, uint16(searchRange))
	t = binary.BigEndian.AppendUint16(t, uint16(selector))
	t = binary.BigEndian.AppendUint16(t, uint16(2*n-searchRange))
	for _, s := range segs {
		t = binary.BigEndian.AppendUint16(t, s.end)
	}
	t = binary.BigEndian.AppendUint16(t, 0) // reservedPad
	for _, s := range segs {
		t = binary.BigEndian.AppendUint16(t, s.start)
	}
	for _, s := range segs {
		t = binary.BigEndian.AppendUint16(t, s.delta)
	}
	for range segs {
		t = binary.BigEndian.AppendUint16(t, 0) // idRangeOffset
	}
	return t
}

// nameTable writes family, subfamily, full and PostScript names (Windows, en-US).
func nameTable(family string) []byte {
	ids := []uint16{1, 2, 4, 6}
	values := []string{family, "Regular", family, family}
	var strs []byte
	t := binary.BigEndian.AppendUint16(nil, 0)
	t = binary.BigEndian.AppendUint16(t, uint16(len(ids)))
	t = binary.BigEndian.AppendUint16(t, uint16(6+12*len(ids)))
	for i, id := range ids {
		var enc []byte
		for _, r := range values[i] {
			enc = binary.BigEndian.AppendUint16(enc, uint16(r))
		}
		t = binary.BigEndian.AppendUint16(t, 3)
		t = binary.BigEndian.AppendUint16(t, 1)
		t = binary.BigEndian.AppendUint16(t, 0x409)
		t = binary.BigEndian.AppendUint16(t, id)
		t = binary.BigEndian.AppendUint16(t, uint16(len(enc)))
		t = binary.BigEndian.AppendUint16(t, uint16(len(strs)))
		strs = append(strs, enc...)
	}
	return append(t, strs...)
}

func tableChecksum(data []byte) uint32 {
	var sum uint32
	for i := 0; i < len(data); i += 4 {
		var w [4]byte
		copy(w[:], data[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
