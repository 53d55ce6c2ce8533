// Package evidence builds the evidence bundle an auditor downloads (a ZIP with the completion
// report, certificates, signature records and receipts, quiz attempts, an audit-log extract with
// inclusion proofs, the public key and a signed manifest) and checks one offline.
package evidence

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"sort"
	"time"

	"github.com/uptrace/bun"
	"golang.org/x/mod/sumdb/tlog"

	"custos/app/attest"
	"custos/app/audit"
	"custos/app/certs"
	"custos/app/people"
	"custos/app/quiz"
	"custos/app/signing"
	"custos/certificates"
	"custos/locales"
)

// Format names the bundle layout, so a later layout can be told apart.
const Format = "custos-evidence/1"

// The populations auditors sample separately.
const (
	Current  = "current-staff"
	NewHires = "new-hires"
	Leavers  = "leavers"
)

// Request says what a bundle covers: a period (whole days, to inclusive), optionally one course,
// and the reader's scope (courses and departments; empty for all).
type Request struct {
	From, To    people.Date
	Course      string
	Courses     []string // the reader's scope
	Departments []string
}

// Deps is what building a bundle needs.
type Deps struct {
	DB       *bun.DB
	Key      *signing.Key
	I18n     *locales.Bundle
	Renderer *certificates.Renderer
	Org      string
	Now      time.Time
	// Report writes the completion report for the same request in "csv" or "pdf".
	Report func(ctx context.Context, w io.Writer, format string) error
}

// FileEntry is one file in the manifest.
type FileEntry struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Bytes  int64  `json:"bytes"`
}

// Manifest lists every file of the bundle with its hash; it is signed with the server key.
type Manifest struct {
	Format         string      `json:"format"`
	Org            string      `json:"org"`
	GeneratedAt    time.Time   `json:"generated_at"`
	From           string      `json:"from"`
	To             string      `json:"to"`
	Course         string      `json:"course,omitempty"`
	Courses        []string    `json:"scope_courses,omitempty"`
	Departments    []string    `json:"scope_departments,omitempty"`
	KeyFingerprint string      `json:"key_fingerprint"`
	AuditEntries   int         `json:"audit_entries"`
	Certificates   int         `json:"certificates"`
	Signatures     int         `json:"signatures"`
	QuizAttempts   int         `json:"quiz_attempts"`
	Files          []FileEntry `json:"files"`
}

// writer adds files to the ZIP, hashing each as it streams through. Files are stored, not
// compressed: the bundle's bytes then depend on nothing but its contents and its time, so a
// verifier years later (with another compressor) can rebuild them exactly and notice any change,
// even to a header. PDFs are compressed already; the rest is small.
type writer struct {
	zw       *zip.Writer
	manifest *Manifest
	at       time.Time
}

type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashingWriter) Write(p []byte) (int, error) {
	hw.h.Write(p)
	hw.n += int64(len(p))
	return hw.w.Write(p)
}

// file streams one file into the bundle through write and records it in the manifest.
func (bw *writer) file(path string, write func(io.Writer) error) error {
	fw, err := bw.zw.CreateHeader(&zip.FileHeader{Name: path, Method: zip.Store, Modified: bw.at})
	if err != nil {
		return fmt.Errorf("evidence: add %s: %w", path, err)
	}
	hw := &hashingWriter{w: fw, h: sha256.New()}
	if err := write(hw); err != nil {
		return fmt.Errorf("evidence: write %s: %w", path, err)
	}
	bw.manifest.Files = append(bw.manifest.Files, FileEntry{Path: path, SHA256: hex.EncodeToString(hw.h.Sum(nil)), Bytes: hw.n})
	return nil
}

func (bw *writer) bytes(path string, data []byte) error {
	return bw.file(path, func(w io.Writer) error { _, err := w.Write(data); return err })
}

func (bw *writer) json(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return bw.bytes(path, append(data, '\n'))
}

// Write streams the bundle for r to w. Rows are read in batches and each file is written as it
// is read, so memory stays flat whatever the period holds; the manifest, signed, comes last.
func Write(ctx context.Context, w io.Writer, d Deps, r Request) error {
	bw := &writer{zw: zip.NewWriter(w), at: d.Now, manifest: &Manifest{
		Format: Format, Org: d.Org, GeneratedAt: d.Now, From: r.From.String(), To: r.To.String(), Course: r.Course,
		Courses: r.Courses, Departments: r.Departments, KeyFingerprint: d.Key.Fingerprint(),
	}}
	from, to := r.From.Time(time.UTC), r.To.Time(time.UTC).AddDate(0, 0, 1)
	if err := bw.bytes("README.txt", []byte(readme)); err != nil {
		return err
	}
	if err := bw.bytes("public-key.pem", []byte(d.Key.PublicPEM())); err != nil {
		return err
	}
	for _, format := range []string{"csv", "pdf"} {
		if err := bw.file("report/completion."+format, func(w io.Writer) error { return d.Report(ctx, w, format) }); err != nil {
			return err
		}
	}
	pop := newPopulations(d.DB, r.From, r.To)
	if err := writeCertificates(ctx, bw, d, r, from, to, pop); err != nil {
		return err
	}
	if err := writeSignatures(ctx, bw, d, r, from, to, pop); err != nil {
		return err
	}
	if err := writeAttempts(ctx, bw, d, r, from, to, pop); err != nil {
		return err
	}
	if err := writeAudit(ctx, bw, d, r, from, to); err != nil {
		return err
	}
	return finish(bw, d.Key)
}

// inScope limits a query on a table with person_id and course columns to the request.
func inScope(q *bun.SelectQuery, r Request, alias string) *bun.SelectQuery {
	if r.Course != "" {
		q = q.Where(alias+".course = ?", r.Course)
	}
	if len(r.Courses) > 0 {
		q = q.Where(alias+".course IN (?)", bun.In(r.Courses))
	}
	if len(r.Departments) > 0 {
		q = q.Where(alias+".person_id IN (SELECT id FROM people WHERE department IN (?))", bun.In(r.Departments))
	}
	return q
}

const batch = 500

// certificateJSON is what the bundle says of a certificate beside its PDF.
type certificateJSON struct {
	Serial        string     `json:"serial"`
	Holder        string     `json:"holder"`
	PersonID      int64      `json:"person_id"`
	Course        string     `json:"course"`
	CourseVersion string     `json:"course_version"`
	AssignmentID  int64      `json:"assignment_id"`
	Score         *int       `json:"score"`
	IssuedAt      time.Time  `json:"issued_at"`
	ValidUntil    time.Time  `json:"valid_until"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokeReason  string     `json:"revoke_reason,omitempty"`
	PDFSHA256     string     `json:"pdf_sha256"`
}

func writeCertificates(ctx context.Context, bw *writer, d Deps, r Request, from, to time.Time, pop *populations) error {
	var after int64
	for {
		var rows []certs.Certificate
		q := d.DB.NewSelect().Model(&rows).Where("certificate.id > ? AND certificate.issued_at >= ? AND certificate.issued_at < ?", after, from, to)
		if err := inScope(q, r, "certificate").Order("certificate.id").Limit(batch).Scan(ctx); err != nil {
			return fmt.Errorf("evidence: certificates: %w", err)
		}
		for _, c := range rows {
			group, err := pop.of(ctx, c.PersonID)
			if err != nil {
				return err
			}
			dir := "certificates/" + group + "/" + c.Serial
			if err := bw.bytes(dir+".pdf", c.PDF); err != nil {
				return err
			}
			meta := certificateJSON{Serial: c.Serial, Holder: c.Holder, PersonID: c.PersonID, Course: c.Course, CourseVersion: c.CourseVersion,
				AssignmentID: c.AssignmentID, Score: c.Score, IssuedAt: c.IssuedAt, ValidUntil: c.ValidUntil, RevokedAt: c.RevokedAt,
				RevokeReason: c.RevokeReason, PDFSHA256: c.PDFSHA256}
			if err := bw.json(dir+".json", meta); err != nil {
				return err
			}
			bw.manifest.Certificates++
		}
		if len(rows) < batch {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}

// signatureJSON is a signature record as the bundle carries it: the exact signed text of the
// record and the server's signature over it.
type signatureJSON struct {
	ID              int64  `json:"id"`
	Record          string `json:"record"`
	ServerSignature string `json:"server_signature"`
	KeyFingerprint  string `json:"key_fingerprint"`
	TextFile        string `json:"text_file"`
}

func writeSignatures(ctx context.Context, bw *writer, d Deps, r Request, from, to time.Time, pop *populations) error {
	texts := map[string]*attest.SignedText{}
	var after int64
	for {
		var rows []attest.Signature
		q := d.DB.NewSelect().Model(&rows).Where("signature.id > ? AND signature.signed_at >= ? AND signature.signed_at < ?", after, from, to)
		if err := inScope(q, r, "signature").Order("signature.id").Limit(batch).Scan(ctx); err != nil {
			return fmt.Errorf("evidence: signatures: %w", err)
		}
		for i := range rows {
			s := &rows[i]
			group, err := pop.of(ctx, s.PersonID)
			if err != nil {
				return err
			}
			text, ok := texts[s.Version]
			textFile := "texts/" + s.Document + "-" + s.Version + "." + s.Locale + ".md"
			if !ok {
				text = new(attest.SignedText)
				if err := d.DB.NewSelect().Model(text).Where("document = ? AND version = ?", s.Document, s.Version).Scan(ctx); err != nil {
					return fmt.Errorf("evidence: text of signature %d: %w", s.ID, err)
				}
				texts[s.Version] = text
				if err := bw.bytes(textFile, []byte(text.Text)); err != nil {
					return err
				}
			}
			base := fmt.Sprintf("signatures/%s/signature-%d", group, s.ID)
			rec := signatureJSON{ID: s.ID, Record: s.Record, ServerSignature: s.ServerSignature, KeyFingerprint: s.KeyFingerprint, TextFile: textFile}
			if err := bw.json(base+".json", rec); err != nil {
				return err
			}
			receipt := attest.ReceiptOf(d.I18n, d.Org, s, text)
			if err := bw.file(base+"-receipt.pdf", func(w io.Writer) error { return d.Renderer.Receipt(w, receipt) }); err != nil {
				return err
			}
			bw.manifest.Signatures++
		}
		if len(rows) < batch {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}

func writeAttempts(ctx context.Context, bw *writer, d Deps, r Request, from, to time.Time, pop *populations) error {
	var after int64
	for {
		var rows []quiz.Attempt
		q := d.DB.NewSelect().Model(&rows).Where("qa.id > ? AND qa.started_at >= ? AND qa.started_at < ?", after, from, to)
		if err := inScope(q, r, "qa").Order("qa.id").Limit(batch).Scan(ctx); err != nil {
			return fmt.Errorf("evidence: quiz attempts: %w", err)
		}
		for _, a := range rows {
			group, err := pop.of(ctx, a.PersonID)
			if err != nil {
				return err
			}
			if err := bw.json(fmt.Sprintf("quiz-attempts/%s/attempt-%d.json", group, a.ID), a); err != nil {
				return err
			}
			bw.manifest.QuizAttempts++
		}
		if len(rows) < batch {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}

// proofLine is one line of audit/proofs.jsonl: the inclusion proof of the entry on the same
// line of audit/entries.jsonl.
type proofLine struct {
	Seq   int64    `json:"seq"`
	Proof []string `json:"proof"`
}

// writeAudit writes the period's audit entries within the request's scope (a course asked for
// narrows it like a grant) with their inclusion proofs in the tree of the newest signed
// checkpoint, the checkpoint itself and the key to check it. Each entry is proven on its own, so
// an extract of some entries checks as well as one of all.
func writeAudit(ctx context.Context, bw *writer, d Deps, r Request, from, to time.Time) error {
	head, err := audit.LatestHead(ctx, d.DB)
	if err != nil {
		return err
	}
	var entries, proofs bytes.Buffer
	scope := audit.Scope{Courses: r.Courses, Departments: r.Departments}
	if r.Course != "" {
		scope.Courses = []string{r.Course}
	}
	err = audit.Extract(ctx, d.DB, head, scope, from, to, func(seq int64, record string, proof tlog.RecordProof) error {
		entries.WriteString(record + "\n")
		line := proofLine{Seq: seq, Proof: make([]string, len(proof))}
		for i, h := range proof {
			line.Proof[i] = base64.StdEncoding.EncodeToString(h[:])
		}
		data, _ := json.Marshal(line)
		proofs.Write(append(data, '\n'))
		bw.manifest.AuditEntries++
		return nil
	})
	if err != nil {
		return err
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{"audit/entries.jsonl", entries.Bytes()}, {"audit/proofs.jsonl", proofs.Bytes()},
		{"audit/checkpoint.txt", []byte(head.Note)}, {"audit/verifier-key.txt", []byte(d.Key.VerifierKey() + "\n")}} {
		if err := bw.bytes(f.path, f.data); err != nil {
			return err
		}
	}
	return nil
}

// finish writes the manifest and its signature and closes the ZIP.
func finish(bw *writer, key *signing.Key) error {
	sort.Slice(bw.manifest.Files, func(i, j int) bool { return bw.manifest.Files[i].Path < bw.manifest.Files[j].Path })
	data, err := json.MarshalIndent(bw.manifest, "", "  ")
	if err != nil {
		return fmt.Errorf("evidence: manifest: %w", err)
	}
	data = append(data, '\n')
	for _, f := range []struct {
		path string
		data []byte
	}{{"manifest.json", data}, {"manifest.sig", []byte(signing.Encode(key.Sign(data)) + "\n")}} {
		fw, err := bw.zw.CreateHeader(&zip.FileHeader{Name: f.path, Method: zip.Store, Modified: bw.at})
		if err != nil {
			return err
		}
		if _, err := fw.Write(f.data); err != nil {
			return err
		}
	}
	return bw.zw.Close()
}

// populations sorts people into the groups auditors sample: who joined in the period, who left
// in it, and everyone else.
type populations struct {
	db       *bun.DB
	from, to people.Date
	known    map[int64]string
}

func newPopulations(db *bun.DB, from, to people.Date) *populations {
	return &populations{db: db, from: from, to: to, known: map[int64]string{}}
}

func (p *populations) of(ctx context.Context, personID int64) (string, error) {
	if g, ok := p.known[personID]; ok {
		return g, nil
	}
	person, err := people.ByID(ctx, p.db, personID)
	if err != nil {
		return "", err
	}
	within := func(d people.Date) bool { return !d.IsZero() && !p.from.After(d) && !d.After(p.to) }
	g := Current
	switch {
	case within(person.LeftOn):
		g = Leavers
	case within(person.HiredOn):
		g = NewHires
	}
	p.known[personID] = g
	return g, nil
}
