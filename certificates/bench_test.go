package certificates

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
)

// BenchmarkCertificate measures a full certificate, alternating English and
// Chinese ones.
func BenchmarkCertificate(b *testing.B) {
	r := mustRenderer(b)
	certs := []Certificate{englishCertificate(), chineseCertificate()}
	var buf bytes.Buffer
	total, n := 0, 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buf.Reset()
		if err := r.Certificate(&buf, certs[n%2]); err != nil {
			b.Fatal(err)
		}
		total += buf.Len()
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "certs/s")
	b.ReportMetric(float64(total)/float64(n), "bytes/cert")
}

// BenchmarkBarePage is the baseline: one page with a line of Latin and a line
// of Chinese text, the same two fonts handed to fpdf whole, the usual way.
func BenchmarkBarePage(b *testing.B) {
	var files [2][]byte
	for i, name := range []string{"DejaVuSans.ttf", "DroidSansFallbackFull.ttf"} {
		data, err := fontFiles.ReadFile("fonts/" + name)
		if err != nil {
			b.Fatal(err)
		}
		files[i] = data
	}
	benchBarePage(b, func(p *fpdf.Fpdf) {
		p.AddUTF8FontFromBytes("latin", "", files[0])
		p.AddUTF8FontFromBytes("cjk", "", files[1])
	}, "latin", "cjk")
}

// BenchmarkBarePageSubset is the same bare page with the one merged subset
// font the renderer builds: the floor of what fpdf costs per document.
func BenchmarkBarePageSubset(b *testing.B) {
	r := mustRenderer(b)
	benchBarePage(b, func(p *fpdf.Fpdf) {
		d := r.newDocument("L", metadata{})
		d.used.add(barePageText[0] + barePageText[1] + barePageText[2])
		p.AddUTF8FontFromBytes("custos", "", d.subset())
	}, "custos", "custos")
}

var barePageText = [3]string{"Certificate of Completion", "José O'Brien", "张伟 培训合格证书"}

func benchBarePage(b *testing.B, addFonts func(*fpdf.Fpdf), latin, cjk string) {
	total, n := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		p := fpdf.New("L", "mm", "A4", "")
		p.SetCreationDate(time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC))
		addFonts(p)
		p.AddPage()
		p.SetFont(latin, "", 24)
		p.Text(20, 30, barePageText[0])
		p.SetFont(latin, "", 14)
		p.Text(20, 45, barePageText[1])
		p.SetFont(cjk, "", 14)
		p.Text(20, 60, barePageText[2])
		cw := &countingWriter{}
		if err := p.Output(cw); err != nil {
			b.Fatal(err)
		}
		total += cw.n
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "pages/s")
	b.ReportMetric(float64(total)/float64(n), "bytes/page")
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)
