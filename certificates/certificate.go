package certificates

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
)

// Certificate is what a training certificate shows. Text fields are printed
// literally (no markup is interpreted).
type Certificate struct {
	Org           string    // issuing organisation
	Serial        string    // unique certificate number
	VerifyURL     string    // encoded in the QR code and printed; empty: no QR code
	Holder        string    // the person's full name
	CourseTitle   string    // in the certificate's language
	CourseVersion string    // e.g. the content version or hash prefix; optional
	Locale        string    // BCP 47 tag of the text, e.g. "en" or "zh-Hans"
	Issued        time.Time // printed, and the PDF creation date
	ValidUntil    time.Time // zero: no expiry is printed
	Score         int       // percent; negative when the course has no quiz
	Controls      []string  // controls evidenced, e.g. "PIPL-51", "ISO27001-A.6.3"
	Labels        CertificateLabels
}

// CertificateLabels are the translated words printed on a certificate. An
// empty field falls back to the English default from EnglishCertificateLabels.
type CertificateLabels struct {
	Title      string // "Certificate of Completion"
	TitleAlt   string // optional second-language title under the main one
	Certifies  string // "This is to certify that"
	Completed  string // "has successfully completed the course"
	Version    string // "Version"
	IssuedOn   string // "Issued on"
	ValidUntil string // "Valid until"
	Score      string // "Score"
	Controls   string // "Controls evidenced"
	Serial     string // "Certificate no."
	Verify     string // "Scan the QR code or visit … to verify"
	DateLayout string // Go time layout for dates, e.g. "2006-01-02" or "2006年1月2日"
}

// EnglishCertificateLabels returns the English labels, the fallback for empty ones.
func EnglishCertificateLabels() CertificateLabels {
	return CertificateLabels{
		Title:      "Certificate of Completion",
		Certifies:  "This is to certify that",
		Completed:  "has successfully completed the course",
		Version:    "Version",
		IssuedOn:   "Issued on",
		ValidUntil: "Valid until",
		Score:      "Score",
		Controls:   "Controls evidenced",
		Serial:     "Certificate no.",
		Verify:     "Scan the QR code or visit this address to verify the certificate",
		DateLayout: "2006-01-02",
	}
}

func (l CertificateLabels) withDefaults() CertificateLabels {
	d := EnglishCertificateLabels()
	or := func(v *string, def string) {
		if strings.TrimSpace(*v) == "" {
			*v = def
		}
	}
	or(&l.Title, d.Title)
	or(&l.Certifies, d.Certifies)
	or(&l.Completed, d.Completed)
	or(&l.Version, d.Version)
	or(&l.IssuedOn, d.IssuedOn)
	or(&l.ValidUntil, d.ValidUntil)
	or(&l.Score, d.Score)
	or(&l.Controls, d.Controls)
	or(&l.Serial, d.Serial)
	or(&l.Verify, d.Verify)
	or(&l.DateLayout, d.DateLayout)
	return l
}

var (
	navy      = color{31, 58, 95}
	gold      = color{176, 141, 87}
	ink       = color{33, 33, 33}
	gray      = color{100, 100, 100}
	paper     = color{253, 251, 246}
	white     = color{255, 255, 255}
	lightLine = color{200, 200, 200}
)

// A4 landscape, millimetres.
const (
	certW  = 297.0
	certH  = 210.0
	certCX = certW / 2
)

// Certificate writes c as a one-page A4 landscape PDF to w. The same input
// always produces the same bytes.
func (r *Renderer) Certificate(w io.Writer, c Certificate) error {
	l := c.Labels.withDefaults()
	d := r.newDocument("L", metadata{
		title:    metaText(l.Title + " — " + c.Holder),
		author:   metaText(c.Org),
		subject:  metaText(c.CourseTitle),
		keywords: metaText(c.Serial),
		lang:     c.Locale,
		created:  c.Issued,
	})
	d.addPage()
	drawFrame(d)

	// Heading.
	r.fitText(d, certCX, 31, bold, 13, 9, 230, navy, c.Org)
	y := 50.0
	r.fitText(d, certCX, y, bold, 32, 18, 240, navy, l.Title)
	if l.TitleAlt != "" {
		r.fitText(d, certCX, y+8.5, regular, 14, 9, 200, gold, l.TitleAlt)
	}
	ornament(d, certCX, 65, 48)

	// Who and what.
	r.fitText(d, certCX, 78, regular, 12, 8, 230, gray, l.Certifies)
	_, nameW := r.block(d, certCX, 82, 99, bold, 30, 20, 11.5, 235, 3, ink, c.Holder)
	half := min(max(85, nameW/2+6), 122)
	d.line(certCX-half, 102.5, certCX+half, 102.5, 0.3, gold)
	r.fitText(d, certCX, 110, regular, 12, 8, 230, gray, l.Completed)
	courseBottom, _ := r.block(d, certCX, 113, 122, bold, 18, 14, 11, 235, 2, navy, c.CourseTitle)
	if v := strings.TrimSpace(c.CourseVersion); v != "" {
		r.fitText(d, certCX, max(courseBottom+5.5, 127.5), regular, 9.5, 7, 200, gray, l.Version+" "+v)
	}

	// Dates and score.
	type column struct{ label, value string }
	cols := []column{{l.IssuedOn, formatDate(c.Issued, l.DateLayout)}}
	if !c.ValidUntil.IsZero() {
		cols = append(cols, column{l.ValidUntil, formatDate(c.ValidUntil, l.DateLayout)})
	}
	if c.Score >= 0 {
		cols = append(cols, column{l.Score, fmt.Sprintf("%d%%", c.Score)})
	}
	const colGap = 68.0
	for i, col := range cols {
		x := certCX + (float64(i)-float64(len(cols)-1)/2)*colGap
		r.fitText(d, x, 140, regular, 8.5, 6, colGap-6, gray, col.label)
		r.fitText(d, x, 147.5, bold, 12.5, 8, colGap-6, ink, col.value)
	}

	// Controls evidenced.
	if len(c.Controls) > 0 {
		ctl := r.cleanLine(strings.Join(c.Controls, "  ·  "))
		r.fitText(d, certCX, 158, regular, 8.5, 6, 200, gray, l.Controls)
		r.block(d, certCX, 160, 165, regular, 9.5, 7.5, 6.5, 200, 2, navy, ctl)
	}

	// Footer: serial on the left, seal in the middle, QR code on the right.
	r.fitText(d, 26, 181, regular, 8.5, 6, 95, gray, l.Serial, 'L')
	r.fitText(d, 26, 188, bold, 12, 7, 95, ink, c.Serial, 'L')
	seal(d, r, certCX, 183)
	if c.VerifyURL != "" {
		q, err := qrcode.New(c.VerifyURL, qrcode.Medium)
		if err != nil {
			return fmt.Errorf("certificate %s: encode verification URL as QR code: %w", c.Serial, err)
		}
		q.DisableBorder = true
		const qrSize, qrX, qrY = 27.0, certW - 26 - 27.0, 163.0
		drawQR(d, qrX, qrY, qrSize, q.Bitmap())
		textRight := qrX - 4
		url := r.cleanLine(c.VerifyURL)
		urlSize, urlLines := r.fit(url, regular, 8, 6, 6, 78, 2)
		for i := len(urlLines) - 1; i >= 0; i-- {
			d.text(textRight, qrY+qrSize-float64(len(urlLines)-1-i)*urlSize*0.42, 'R', regular, urlSize, navy, urlLines[i])
		}
		top := qrY + qrSize - float64(len(urlLines))*urlSize*0.42 - 1.5
		r.block(d, textRight, top-8, top, regular, 7.5, 7.5, 6, 78, 2, gray, l.Verify, 'R')
	}
	if err := d.render(w); err != nil {
		return fmt.Errorf("certificate %s: %w", c.Serial, err)
	}
	return nil
}

func formatDate(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(layout)
}

// metaText removes control characters from PDF metadata.
func metaText(s string) string {
	return strings.Join(strings.Fields(strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7F {
			return ' '
		}
		return c
	}, s)), " ")
}

// fitText prints one line centred on x (or aligned by the optional align),
// shrinking it from size to minSize to fit maxWidth and cutting it with an
// ellipsis below that. It returns the size used and the width drawn.
func (r *Renderer) fitText(d *document, x, y float64, st style, size, minSize, maxWidth float64, c color, s string, align ...byte) (float64, float64) {
	a := byte('C')
	if len(align) > 0 {
		a = align[0]
	}
	s = r.cleanLine(s)
	size, lines := r.fit(s, st, size, minSize, minSize, maxWidth, 1)
	if len(lines) == 0 {
		return size, 0
	}
	return size, d.text(x, y, a, st, size, c, lines[0])
}

// block prints s centred on x (or aligned) in the band between top and
// bottom baselines: on one line shrunk down to minSingle, else wrapped at
// up to maxLines lines shrunk down to minSize, else cut with an ellipsis.
// It returns the baseline of the last line and the widest line's width.
func (r *Renderer) block(d *document, x, top, bottom float64, st style, size, minSingle, minSize, maxWidth float64, maxLines int, c color, s string, align ...byte) (float64, float64) {
	a := byte('C')
	if len(align) > 0 {
		a = align[0]
	}
	s = r.cleanLine(s)
	size, lines := r.fit(s, st, size, minSingle, minSize, maxWidth, maxLines)
	lead := size * ptToMM * 1.25
	// Centre the block in the band; a single line sits on the bottom baseline.
	y := bottom - float64(len(lines)-1)*lead
	if len(lines) > 1 {
		y = (top+bottom)/2 - float64(len(lines)-1)*lead/2 + size*ptToMM*0.35
	}
	widest := 0.0
	for i, line := range lines {
		widest = max(widest, d.text(x, y+float64(i)*lead, a, st, size, c, line))
	}
	return y + float64(len(lines)-1)*lead, widest
}

// fit chooses a size and line breaks for cleaned text s: one line down to
// minSingle, then up to maxLines lines down to minSize; text that still does
// not fit is cut after the last whole grapheme that fits, followed by "…".
func (r *Renderer) fit(s string, st style, size, minSingle, minSize, maxWidth float64, maxLines int) (float64, []string) {
	if s == "" {
		return size, nil
	}
	for ; size >= minSingle; size -= 0.5 {
		if r.width(s, st, size) <= maxWidth {
			return size, []string{s}
		}
	}
	if maxLines > 1 {
		for sz := minSingle; sz >= minSize; sz -= 0.5 {
			if lines := r.wrap(s, st, sz, maxWidth); len(lines) <= maxLines {
				return sz, lines
			}
		}
	}
	size = minSize
	lines := r.wrap(s, st, size, maxWidth)
	if len(lines) > maxLines {
		last := strings.Join(lines[maxLines-1:], " ")
		lines = append(lines[:maxLines-1], r.ellipsize(last, st, size, maxWidth))
	}
	return size, lines
}

// ellipsize cuts s at a grapheme boundary so that s + "…" fits maxWidth.
func (r *Renderer) ellipsize(s string, st style, size, maxWidth float64) string {
	const ell = "…"
	if r.width(s, st, size) <= maxWidth {
		return s
	}
	cs := clusters(s)
	w := r.width(ell, st, size)
	var b strings.Builder
	for _, c := range cs {
		cw := r.width(c, st, size)
		if w+cw > maxWidth {
			break
		}
		w += cw
		b.WriteString(c)
	}
	return strings.TrimRight(b.String(), " ") + ell
}

// drawFrame paints the paper, a double border and corner ornaments.
func drawFrame(d *document) {
	d.fillRect(0, 0, certW, certH, paper)
	d.rect(8, 8, certW-16, certH-16, 1.6, navy)
	d.rect(12.5, 12.5, certW-25, certH-25, 0.35, gold)
	d.rect(14, 14, certW-28, certH-28, 0.15, gold)
	for _, p := range [][2]float64{{12.5, 12.5}, {certW - 12.5, 12.5}, {12.5, certH - 12.5}, {certW - 12.5, certH - 12.5}} {
		diamond(d, p[0], p[1], 3.2, gold)
		diamond(d, p[0], p[1], 1.4, paper)
	}
}

func diamond(d *document, x, y, r float64, c color) {
	d.polygon([]fpdf.PointType{{X: x, Y: y - r}, {X: x + r, Y: y}, {X: x, Y: y + r}, {X: x - r, Y: y}}, c)
}

// ornament draws a rule with a diamond in the middle.
func ornament(d *document, x, y, halfWidth float64) {
	d.line(x-halfWidth, y, x-5, y, 0.35, gold)
	d.line(x+5, y, x+halfWidth, y, 0.35, gold)
	diamond(d, x, y, 2, gold)
	diamond(d, x-7.5, y, 0.9, gold)
	diamond(d, x+7.5, y, 0.9, gold)
}

// seal draws a gold rosette with a check mark.
func seal(d *document, r *Renderer, x, y float64) {
	const n = 36
	pts := make([]fpdf.PointType, 0, 2*n)
	for i := 0; i < 2*n; i++ {
		rad := 12.5
		if i%2 == 1 {
			rad = 11.2
		}
		a := float64(i) * math.Pi / n
		pts = append(pts, fpdf.PointType{X: x + rad*math.Cos(a), Y: y + rad*math.Sin(a)})
	}
	d.polygon(pts, gold)
	d.circle(x, y, 9.8, 0, navy, true)
	d.circle(x, y, 8.6, 0.3, gold, false)
	d.text(x, y+3.4, 'C', bold, 20, white, "✓")
}

// drawQR paints the QR modules as one filled path on a white quiet zone.
func drawQR(d *document, x, y, size float64, bm [][]bool) {
	n := len(bm)
	if n == 0 {
		return
	}
	m := size / float64(n)
	quiet := 2 * m
	d.fillRect(x-quiet, y-quiet, size+2*quiet, size+2*quiet, white)
	d.op(func(p *fpdf.Fpdf) {
		_, pageH := p.GetPageSize()
		k := 72 / 25.4
		num := func(b []byte, v float64) []byte {
			return append(strconv.AppendFloat(b, v, 'f', 3, 64), ' ')
		}
		b := make([]byte, 0, 16<<10)
		b = append(b, "q 0 0 0 rg\n"...)
		for row := range bm {
			for col := 0; col < n; {
				if !bm[row][col] {
					col++
					continue
				}
				start := col
				for col < n && bm[row][col] {
					col++
				}
				// Rows overlap by a hair so viewers show no seams.
				b = num(b, (x+float64(start)*m)*k)
				b = num(b, (pageH-y-float64(row+1)*m-0.02)*k)
				b = num(b, float64(col-start)*m*k)
				b = num(b, (m+0.02)*k)
				b = append(b, "re\n"...)
			}
		}
		b = append(b, "f Q"...)
		p.RawWriteStr(string(b))
	})
}
