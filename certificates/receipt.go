package certificates

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// Receipt is the record of one signed undertaking: the full text that was
// shown and the signature over it.
type Receipt struct {
	Org             string    // organisation the undertaking is given to
	Signer          string    // full name as typed by the signer
	Email           string    // the signer's account
	DocumentTitle   string    // title of the undertaking
	DocumentText    string    // the exact text shown, Markdown (plain paragraphs work too)
	Locale          string    // BCP 47 tag of the text
	VersionHash     string    // SHA-256 identifying the document version
	TextHash        string    // SHA-256 of DocumentText
	SignedAt        time.Time // server time of the signature; also the PDF creation date
	Method          string    // how the signer was authenticated, e.g. "password"
	ServerSignature string    // base64 Ed25519 signature over RecordJSON
	KeyFingerprint  string    // fingerprint of the server's public key
	RecordJSON      string    // the signed record; printed and attached as signature-record.json
	Labels          ReceiptLabels
}

// ReceiptLabels are the translated words printed on a receipt. An empty field
// falls back to the English default from EnglishReceiptLabels.
type ReceiptLabels struct {
	Title           string // "Receipt for a signed undertaking"
	Intro           string // one sentence under the title
	Signature       string // heading of the signature block
	Signer          string // "Signed by"
	Email           string // "Account"
	SignedAt        string // "Signed at"
	Method          string // "Authentication"
	Locale          string // "Language"
	VersionHash     string // "Document version (SHA-256)"
	TextHash        string // "Text (SHA-256)"
	KeyFingerprint  string // "Server key"
	ServerSignature string // "Server signature (Ed25519)"
	Record          string // heading of the signed record
	Page            string // "Page", printed as "Page 2 / 3"
	DateTimeLayout  string // Go time layout, e.g. "2006-01-02 15:04:05 MST"
}

// EnglishReceiptLabels returns the English labels, the fallback for empty ones.
func EnglishReceiptLabels() ReceiptLabels {
	return ReceiptLabels{
		Title:           "Receipt for a signed undertaking",
		Intro:           "This receipt reproduces the full text that was signed, followed by the electronic signature and the server's seal over it.",
		Signature:       "Signature",
		Signer:          "Signed by",
		Email:           "Account",
		SignedAt:        "Signed at",
		Method:          "Authentication",
		Locale:          "Language",
		VersionHash:     "Document version (SHA-256)",
		TextHash:        "Text (SHA-256)",
		KeyFingerprint:  "Server key",
		ServerSignature: "Server signature (Ed25519)",
		Record:          "Signed record",
		Page:            "Page",
		DateTimeLayout:  "2006-01-02 15:04:05 MST",
	}
}

func (l ReceiptLabels) withDefaults() ReceiptLabels {
	d := EnglishReceiptLabels()
	fill := func(v *string, def string) {
		if strings.TrimSpace(*v) == "" {
			*v = def
		}
	}
	fill(&l.Title, d.Title)
	fill(&l.Intro, d.Intro)
	fill(&l.Signature, d.Signature)
	fill(&l.Signer, d.Signer)
	fill(&l.Email, d.Email)
	fill(&l.SignedAt, d.SignedAt)
	fill(&l.Method, d.Method)
	fill(&l.Locale, d.Locale)
	fill(&l.VersionHash, d.VersionHash)
	fill(&l.TextHash, d.TextHash)
	fill(&l.KeyFingerprint, d.KeyFingerprint)
	fill(&l.ServerSignature, d.ServerSignature)
	fill(&l.Record, d.Record)
	fill(&l.Page, d.Page)
	fill(&l.DateTimeLayout, d.DateTimeLayout)
	return l
}

// A4 portrait, millimetres.
const (
	rcW      = 210.0
	rcH      = 297.0
	rcLeft   = 22.0
	rcRight  = rcW - 22.0
	rcTop    = 28.0
	rcBottom = 278.0
	rcWidth  = rcRight - rcLeft
)

// Receipt writes rc as an A4 portrait PDF to w: the full signed text, then
// the signature block and the signed record. The record is also attached to
// the PDF as signature-record.json, byte for byte.
func (r *Renderer) Receipt(w io.Writer, rc Receipt) error {
	l := rc.Labels.withDefaults()
	d := r.newDocument("P", metadata{
		title:    metaText(l.Title + " — " + rc.DocumentTitle),
		author:   metaText(rc.Org),
		subject:  metaText(rc.DocumentTitle),
		keywords: metaText(rc.VersionHash),
		lang:     rc.Locale,
		created:  rc.SignedAt,
	})
	f := &flow{d: d, r: r}
	f.newPage()

	// Title block.
	f.para([]span{{l.Title, bold}}, 16, navy, 0, 0)
	f.y += 1
	f.para([]span{{rc.DocumentTitle, bold}}, 13, ink, 0, 0)
	f.y += 1
	f.para([]span{{l.Intro, regular}}, 9, gray, 0, 0)
	f.y += 2
	d.line(rcLeft, f.y, rcRight, f.y, 0.3, gold)
	f.y += 7

	// The signed text.
	for _, b := range markdownBlocks([]byte(rc.DocumentText)) {
		f.block(b)
	}

	// Signature block: kept on one page.
	rows := []struct{ label, value string }{
		{l.Signer, rc.Signer},
		{l.Email, rc.Email},
		{l.SignedAt, formatDate(rc.SignedAt, l.DateTimeLayout)},
		{l.Method, rc.Method},
		{l.Locale, rc.Locale},
		{l.VersionHash, rc.VersionHash},
		{l.TextHash, rc.TextHash},
		{l.KeyFingerprint, rc.KeyFingerprint},
		{l.ServerSignature, rc.ServerSignature},
	}
	const labelW, gap, rowSize = 50.0, 4.0, 9.0
	lead := rowSize * ptToMM * 1.4
	type laidRow struct{ label, value []string }
	var laid []laidRow
	height := 14.0
	for _, row := range rows {
		if strings.TrimSpace(row.value) == "" {
			continue
		}
		lr := laidRow{
			label: r.wrap(r.cleanLine(row.label), regular, rowSize-0.5, labelW),
			value: r.wrap(r.cleanLine(row.value), regular, rowSize, rcWidth-labelW-gap-4),
		}
		laid = append(laid, lr)
		height += float64(max(len(lr.label), len(lr.value)))*lead + 2
	}
	f.y += 4
	f.need(height + 8)
	f.para([]span{{l.Signature, bold}}, 12, navy, 0, 0)
	f.y += 1
	boxTop := f.y
	d.fillRect(rcLeft, boxTop, rcWidth, height-10, paper)
	d.fillRect(rcLeft, boxTop, 1.2, height-10, gold)
	f.y += 5
	for _, lr := range laid {
		for i, line := range lr.label {
			d.text(rcLeft+4, f.y+float64(i)*lead, 'L', regular, rowSize-0.5, gray, line)
		}
		for i, line := range lr.value {
			d.text(rcLeft+4+labelW+gap, f.y+float64(i)*lead, 'L', regular, rowSize, ink, line)
		}
		f.y += float64(max(len(lr.label), len(lr.value)))*lead + 2
	}
	f.y = boxTop + height - 10 + 6

	// The signed record, pretty-printed for people; the attachment is exact.
	if strings.TrimSpace(rc.RecordJSON) != "" {
		f.need(20)
		f.para([]span{{l.Record, bold}}, 11, navy, 0, 0)
		f.y += 1
		record := rc.RecordJSON
		var pretty bytes.Buffer
		if json.Indent(&pretty, []byte(record), "", "  ") == nil {
			record = pretty.String()
		}
		for _, line := range strings.Split(r.clean(record), "\n") {
			indent := float64(len(line)-len(strings.TrimLeft(line, " "))) * 1.2
			f.para([]span{{strings.TrimLeft(line, " "), regular}}, 7.5, gray, indent, 0)
		}
	}

	// Header and footer on every page, now that the page count is known.
	org := r.cleanLine(rc.Org)
	title := r.cleanLine(l.Title)
	docTitle := r.cleanLine(rc.DocumentTitle)
	for i := range d.pages {
		d.cur = i
		_, orgLines := r.fit(org, regular, 8, 6, 6, rcWidth/2-4, 1)
		if len(orgLines) > 0 {
			d.text(rcLeft, 15, 'L', regular, 8, gray, orgLines[0])
		}
		_, titleLines := r.fit(title, regular, 8, 6, 6, rcWidth/2-4, 1)
		if len(titleLines) > 0 {
			d.text(rcRight, 15, 'R', regular, 8, gray, titleLines[0])
		}
		d.line(rcLeft, 17.5, rcRight, 17.5, 0.2, lightLine)
		d.line(rcLeft, 284, rcRight, 284, 0.2, lightLine)
		_, footLines := r.fit(docTitle, regular, 7.5, 6, 6, rcWidth-40, 1)
		if len(footLines) > 0 {
			d.text(rcLeft, 289, 'L', regular, 7.5, gray, footLines[0])
		}
		page := fmt.Sprintf("%s %d / %d", r.cleanLine(l.Page), i+1, len(d.pages))
		d.text(rcRight, 289, 'R', regular, 7.5, gray, page)
	}
	if rc.RecordJSON != "" {
		d.attachments = []fpdf.Attachment{{
			Content:     []byte(rc.RecordJSON),
			Filename:    "signature-record.json",
			Description: "Signed record",
		}}
	}
	if err := d.render(w); err != nil {
		return fmt.Errorf("receipt for %s: %w", rc.Email, err)
	}
	return nil
}

// flow places blocks of text down the pages of a receipt.
type flow struct {
	d *document
	r *Renderer
	y float64
}

func (f *flow) newPage() {
	f.d.addPage()
	f.y = rcTop
}

// need starts a new page unless h millimetres are left on this one.
func (f *flow) need(h float64) {
	if f.y+h > rcBottom {
		f.newPage()
	}
}

// para wraps spans to the text width less indent and places the lines; the
// first line may carry a marker (list bullet) hanging in the indent.
func (f *flow) para(spans []span, size float64, c color, indent float64, markerW float64, marker ...string) {
	for i := range spans {
		spans[i].text = f.r.clean(spans[i].text)
	}
	lines := f.r.wrapSpans(spans, size, rcWidth-indent)
	lead := size * ptToMM * 1.45
	for i, line := range lines {
		f.need(lead)
		base := f.y + size*ptToMM*0.8
		if i == 0 && len(marker) > 0 && marker[0] != "" {
			f.d.text(rcLeft+indent-markerW, base, 'L', regular, size, c, marker[0])
		}
		x := rcLeft + indent
		for _, s := range line {
			x += f.d.text(x, base, 'L', s.style, size, c, s.text)
		}
		f.y += lead
	}
}

// block places one Markdown block.
func (f *flow) block(b mdBlock) {
	const body = 10.0
	indent := float64(b.depth) * 7
	switch b.kind {
	case mdHeading:
		size := map[int]float64{1: 14, 2: 12.5}[b.level]
		if size == 0 {
			size = 11
		}
		f.y += 2
		f.need(size*ptToMM*1.45*2 + 6) // keep a heading with what follows
		for i := range b.spans {
			b.spans[i].style = bold
		}
		f.para(b.spans, size, navy, indent, 0)
		f.y += 1.5
	case mdRule:
		f.need(6)
		f.d.line(rcLeft+indent, f.y+2, rcRight, f.y+2, 0.3, lightLine)
		f.y += 5
	case mdCode:
		f.para(b.spans, body-1, gray, indent+4, 0)
		f.y += 2.5
	default:
		c := ink
		if b.quote {
			c = gray
			indent += 4
		}
		if b.marker != "" {
			indent += 5
		}
		f.para(b.spans, body, c, indent, 5, b.marker)
		f.y += 2.5
		if b.tight {
			f.y -= 1.5
		}
	}
}
