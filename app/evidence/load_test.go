package evidence_test

// Run on demand: CUSTOS_LOAD=1 CUSTOS_TEST_DATABASE_URL=… go test -run TestLoad -v ./app/evidence/

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"custos/app/apptest"
	"custos/app/certs"
	"custos/app/dbtest"
	"custos/app/evidence"
	"custos/app/people"
	"custos/app/reports"
	"custos/app/training"
	"custos/certificates"
)

// TestLoadEvidenceBundleFor10000People streams a bundle with 10,000 people's certificates and
// reports the peak heap above idle while it builds.
func TestLoadEvidenceBundleFor10000People(t *testing.T) {
	if os.Getenv("CUSTOS_LOAD") == "" || dbtest.PostgresURL() == "" {
		t.Skip("load measurement: set CUSTOS_LOAD=1 and CUSTOS_TEST_DATABASE_URL")
	}
	env := apptest.New(t, dbtest.PostgresSchemaURL(t))
	ctx, db, now := context.Background(), env.DB(), env.App.Now()
	for start := 0; start < 10000; start += 2000 {
		var batch []people.Person
		for i := start; i < start+2000; i++ {
			batch = append(batch, people.Person{Email: fmt.Sprintf("p%05d@example.com", i), Name: fmt.Sprintf("Person %d", i),
				Department: "Sales", Role: people.Employee, Locale: "en", TimeZone: "UTC", Active: true, CreatedAt: now, UpdatedAt: now})
		}
		if _, err := db.NewInsert().Model(&batch).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := training.Schedule(ctx, db, env.App.Audit, env.App.Catalog, now, nil); err != nil {
		t.Fatal(err)
	}
	var pdf bytes.Buffer
	env.App.Renderer.Certificate(&pdf, certificates.Certificate{Org: "Load", Serial: "CUS-2026-000000", VerifyURL: "http://x", Holder: "Person",
		CourseTitle: "Course", CourseVersion: "v", Locale: "en", Issued: now, ValidUntil: now.AddDate(1, 0, 0), Score: 90})
	var assignments []training.Assignment
	db.NewSelect().Model(&assignments).Where("course = 'customer-information'").Scan(ctx)
	for start := 0; start < len(assignments); start += 1000 {
		var rows []certs.Certificate
		for i, a := range assignments[start:min(start+1000, len(assignments))] {
			rows = append(rows, certs.Certificate{Serial: fmt.Sprintf("CUS-2026-%06d", start+i), Code: fmt.Sprintf("AAAA-BBBB-%04d-%04d", (start+i)/10000, (start+i)%10000),
				AssignmentID: a.ID, PersonID: a.PersonID, Course: a.Course, CourseVersion: a.CourseVersion, Holder: "Person", Locale: "en",
				IssuedAt: now, ValidUntil: now.AddDate(1, 0, 0), PDF: pdf.Bytes(), PDFSHA256: "x"})
		}
		if _, err := db.NewInsert().Model(&rows).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	heap := apptest.WatchHeap()
	scope := reports.Scope{Role: people.Admin}
	rep := reports.Completion{DB: db, Now: now, Scope: scope}
	counter := &countingWriter{}
	start := time.Now()
	err := evidence.Write(ctx, counter, evidence.Deps{DB: db, Key: env.App.Key, I18n: env.App.I18n, Renderer: env.App.Renderer, Org: "Load", Now: now,
		Report: func(ctx context.Context, w io.Writer, format string) error {
			if format == "csv" {
				return rep.WriteCSV(ctx, w)
			}
			return rep.WritePDF(ctx, w, reports.PDFOptions{Renderer: env.App.Renderer, Catalog: env.App.Catalog, L: env.App.I18n.For("en"), Org: "Load"})
		}}, evidence.Request{From: people.DateOf(now.AddDate(0, -1, 0)), To: people.DateOf(now)})
	peak := heap.Stop()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("bundle for 10,000 people (%d certificates): %.1f MB in %s; peak heap %.1f MB above idle (%.1f MB)",
		len(assignments), float64(counter.n)/(1<<20), time.Since(start).Round(time.Millisecond),
		peak, heap.IdleMB())
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }
