package certificates

import (
	"encoding/binary"
	"testing"
)

func TestParseTTFRejectsOtherFormats(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":        nil,
		"collection":   []byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x00"),
		"CFF OpenType": []byte("OTTO\x00\x00\x00\x00\x00\x00\x00\x00"),
	} {
		if _, err := parseTTF(data); err == nil {
			t.Errorf("%s: parseTTF accepted it", name)
		}
	}
}

// TestSubsetRoundTrip checks that a merged subset maps every rune to a
// glyph with the right advance and, for the rescaled CJK font, the right
// outline.
func TestSubsetRoundTrip(t *testing.T) {
	r := mustRenderer(t)
	runes := []rune("!?ABCabcéö€…✓张伟证书（）")
	b := newSubsetBuilder(r.latin, r.cjk)
	seen := map[rune]bool{}
	for c := rune(0); c < 0x10000; c++ {
		for _, want := range runes {
			if want == c && !seen[c] {
				seen[c] = true
				f, g := r.glyph(c)
				if f == nil {
					t.Fatalf("no glyph for %q", c)
				}
				b.addRune(c, f, g)
			}
		}
	}
	sub, err := parseTTF(b.build("Test"))
	if err != nil {
		t.Fatalf("parse subset: %v", err)
	}
	if sub.unitsPerEm != r.latin.unitsPerEm {
		t.Fatalf("unitsPerEm %d", sub.unitsPerEm)
	}
	if n := len(sub.loca) - 1; n > 60 {
		t.Errorf("subset has %d glyphs, expected only the few used (plus components)", n)
	}
	for _, c := range runes {
		f, g := r.glyph(c)
		sg := sub.cmap[c]
		if sg == 0 {
			t.Errorf("%q missing from the subset cmap", c)
			continue
		}
		scale := float64(sub.unitsPerEm) / float64(f.unitsPerEm)
		if want := scaleU(f.advance[g], scale); sub.advance[sg] != want {
			t.Errorf("%q advance %d, want %d", c, sub.advance[sg], want)
		}
		orig, got := f.glyph(g), sub.glyph(sg)
		if len(orig) >= 10 && int16(binary.BigEndian.Uint16(orig)) >= 0 {
			if got == nil {
				t.Errorf("%q lost its outline", c)
				continue
			}
			ox, oy := points(t, orig)
			gx, gy := points(t, got)
			if len(ox) != len(gx) {
				t.Fatalf("%q has %d points, want %d", c, len(gx), len(ox))
			}
			for i := range ox {
				if d := int32(float64(ox[i])*scale+0.5) - gx[i]; d < -1 || d > 1 {
					t.Fatalf("%q point %d x=%d, want %v", c, i, gx[i], float64(ox[i])*scale)
				}
				if d := int32(float64(oy[i])*scale+0.5) - gy[i]; d < -1 || d > 1 {
					t.Fatalf("%q point %d y=%d, want %v", c, i, gy[i], float64(oy[i])*scale)
				}
			}
		}
	}
}

// points decodes the absolute coordinates of a simple glyph.
func points(t *testing.T, data []byte) ([]int32, []int32) {
	t.Helper()
	contours := int(binary.BigEndian.Uint16(data))
	p := 10 + 2*contours
	n := int(binary.BigEndian.Uint16(data[p-2:])) + 1
	q := p + 2 + int(binary.BigEndian.Uint16(data[p:]))
	var flags []byte
	for len(flags) < n {
		fl := data[q]
		q++
		flags = append(flags, fl)
		if fl&0x08 != 0 {
			for k := int(data[q]); k > 0; k-- {
				flags = append(flags, fl)
			}
			q++
		}
	}
	xs, ys := make([]int32, n), make([]int32, n)
	q, ok := readCoords(data, q, flags, xs, 0x02, 0x10)
	if !ok {
		t.Fatal("bad x coordinates")
	}
	if _, ok := readCoords(data, q, flags, ys, 0x04, 0x20); !ok {
		t.Fatal("bad y coordinates")
	}
	return xs, ys
}
