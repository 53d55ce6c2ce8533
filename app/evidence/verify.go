package evidence

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"custos/app/attest"
	"custos/app/audit"
	"custos/app/signing"
)

// Summary is what a good bundle holds.
type Summary struct {
	Manifest       Manifest
	KeyFingerprint string
}

// Mismatch names the first thing in a bundle that does not match.
type Mismatch struct {
	File   string
	Reason string
}

func (m *Mismatch) Error() string { return m.File + ": " + m.Reason }

// maxFile bounds one file read during verification, so a crafted bundle cannot exhaust memory.
const maxFile = 256 << 20

// Verify checks a bundle offline, trusting nothing inside it but the public key, whose
// fingerprint the auditor compares with the published one: the manifest's signature, every
// file's hash and presence, every signature record, every certificate's recorded hash, and every
// audit record's proof against the signed checkpoint.
func Verify(r io.ReaderAt, size int64) (Summary, error) {
	var sum Summary
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return sum, &Mismatch{"(bundle)", "not a readable ZIP file: " + err.Error()}
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		if _, dup := files[f.Name]; dup {
			return sum, &Mismatch{f.Name, "appears twice in the ZIP"}
		}
		files[f.Name] = f
	}
	read := func(name string) ([]byte, error) {
		f, ok := files[name]
		if !ok {
			return nil, &Mismatch{name, "is missing"}
		}
		rc, err := f.Open()
		if err != nil {
			return nil, &Mismatch{name, "cannot be read: " + err.Error()}
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, maxFile+1))
		if err != nil {
			return nil, &Mismatch{name, "is damaged: " + err.Error()}
		}
		if len(data) > maxFile {
			return nil, &Mismatch{name, "is too large to check"}
		}
		return data, nil
	}

	pemData, err := read("public-key.pem")
	if err != nil {
		return sum, err
	}
	pub, err := signing.ParsePublicPEM(pemData)
	if err != nil {
		return sum, &Mismatch{"public-key.pem", err.Error()}
	}
	sum.KeyFingerprint = signing.Fingerprint(pub)
	manifestData, err := read("manifest.json")
	if err != nil {
		return sum, err
	}
	sigData, err := read("manifest.sig")
	if err != nil {
		return sum, err
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sigData)))
	if err != nil || !ed25519.Verify(pub, manifestData, sig) {
		return sum, &Mismatch{"manifest.sig", "does not verify manifest.json with public-key.pem"}
	}
	m := &sum.Manifest
	if err := json.Unmarshal(manifestData, m); err != nil {
		return sum, &Mismatch{"manifest.json", "is not valid JSON: " + err.Error()}
	}
	if m.Format != Format {
		return sum, &Mismatch{"manifest.json", fmt.Sprintf("format %q is not %q", m.Format, Format)}
	}
	if m.KeyFingerprint != sum.KeyFingerprint {
		return sum, &Mismatch{"manifest.json", "names another key than public-key.pem"}
	}

	listed := map[string]FileEntry{"manifest.json": {}, "manifest.sig": {}}
	for _, fe := range m.Files {
		listed[fe.Path] = fe
		data, err := read(fe.Path)
		if err != nil {
			return sum, err
		}
		h := sha256.Sum256(data)
		if hex.EncodeToString(h[:]) != fe.SHA256 || int64(len(data)) != fe.Bytes {
			return sum, &Mismatch{fe.Path, "SHA-256 or size differs from the manifest"}
		}
	}
	for _, f := range zr.File {
		if _, ok := listed[f.Name]; !ok {
			return sum, &Mismatch{f.Name, "is not listed in the manifest"}
		}
	}

	for _, fe := range m.Files {
		var err error
		switch {
		case strings.HasPrefix(fe.Path, "signatures/") && strings.HasSuffix(fe.Path, ".json"):
			err = checkSignature(fe.Path, read, pub)
		case strings.HasPrefix(fe.Path, "certificates/") && strings.HasSuffix(fe.Path, ".json"):
			err = checkCertificate(fe.Path, read)
		}
		if err != nil {
			return sum, err
		}
	}
	if err := checkAudit(read, pub); err != nil {
		return sum, err
	}
	return sum, checkLayout(zr, r, size, m.GeneratedAt, read)
}

// checkLayout rebuilds the ZIP from its checked contents the way Write lays one out and
// compares the bytes, so a change to any header (a date, a flag, a name in one of the two
// directories) is caught too, not only changes to contents.
func checkLayout(zr *zip.Reader, r io.ReaderAt, size int64, at time.Time, read func(string) ([]byte, error)) error {
	rebuilt := sha256.New()
	zw := zip.NewWriter(rebuilt)
	for _, f := range zr.File {
		data, err := read(f.Name)
		if err != nil {
			return err
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Store, Modified: at})
		if err != nil {
			return &Mismatch{f.Name, "cannot be laid out again: " + err.Error()}
		}
		w.Write(data)
	}
	zw.Close()
	given := sha256.New()
	if _, err := io.Copy(given, io.NewSectionReader(r, 0, size)); err != nil {
		return &Mismatch{"(bundle)", "cannot be read: " + err.Error()}
	}
	if !bytes.Equal(given.Sum(nil), rebuilt.Sum(nil)) {
		return &Mismatch{"(bundle)", "the ZIP's headers were altered (the files inside are intact)"}
	}
	return nil
}

func checkSignature(name string, read func(string) ([]byte, error), pub ed25519.PublicKey) error {
	data, err := read(name)
	if err != nil {
		return err
	}
	var s signatureJSON
	if err := json.Unmarshal(data, &s); err != nil {
		return &Mismatch{name, "is not valid JSON"}
	}
	sig, err := base64.StdEncoding.DecodeString(s.ServerSignature)
	if err != nil || !ed25519.Verify(pub, []byte(s.Record), sig) {
		return &Mismatch{name, "the server signature does not verify the record"}
	}
	var rec attest.Record
	if err := json.Unmarshal([]byte(s.Record), &rec); err != nil || rec.Type != attest.RecordType {
		return &Mismatch{name, "the record is not a signature record"}
	}
	if rec.TextHash != rec.Version {
		return &Mismatch{name, "the record's text hash is not its version"}
	}
	text, err := read(s.TextFile)
	if err != nil {
		return err
	}
	if h := sha256.Sum256(text); hex.EncodeToString(h[:]) != rec.Version {
		return &Mismatch{s.TextFile, "does not hash to the version " + rec.Version + " signed in " + name}
	}
	return nil
}

func checkCertificate(name string, read func(string) ([]byte, error)) error {
	data, err := read(name)
	if err != nil {
		return err
	}
	var c certificateJSON
	if err := json.Unmarshal(data, &c); err != nil {
		return &Mismatch{name, "is not valid JSON"}
	}
	pdfName := strings.TrimSuffix(name, ".json") + ".pdf"
	if path.Base(pdfName) != c.Serial+".pdf" {
		return &Mismatch{name, "describes certificate " + c.Serial + ", not its PDF"}
	}
	pdf, err := read(pdfName)
	if err != nil {
		return err
	}
	if h := sha256.Sum256(pdf); hex.EncodeToString(h[:]) != c.PDFSHA256 {
		return &Mismatch{pdfName, "is not the PDF issued (its SHA-256 differs from the one recorded at issue)"}
	}
	return nil
}

// checkAudit verifies the checkpoint with a key derived from public-key.pem (not the bundle's
// own verifier-key.txt, which must merely agree) and every record's inclusion proof.
func checkAudit(read func(string) ([]byte, error), pub ed25519.PublicKey) error {
	vkey, err := note.NewEd25519VerifierKey(signing.NoteName, pub)
	if err != nil {
		return &Mismatch{"public-key.pem", err.Error()}
	}
	given, err := read("audit/verifier-key.txt")
	if err != nil {
		return err
	}
	if strings.TrimSpace(string(given)) != vkey {
		return &Mismatch{"audit/verifier-key.txt", "is not the key of public-key.pem"}
	}
	cp, err := read("audit/checkpoint.txt")
	if err != nil {
		return err
	}
	entries, err := read("audit/entries.jsonl")
	if err != nil {
		return err
	}
	proofs, err := read("audit/proofs.jsonl")
	if err != nil {
		return err
	}
	if len(cp) == 0 {
		if len(entries) > 0 {
			return &Mismatch{"audit/checkpoint.txt", "is empty but the extract has entries"}
		}
		return nil
	}
	head, err := audit.OpenCheckpoint(cp, vkey)
	if err != nil {
		return &Mismatch{"audit/checkpoint.txt", err.Error()}
	}
	es, ps := bufio.NewScanner(bytes.NewReader(entries)), bufio.NewScanner(bytes.NewReader(proofs))
	es.Buffer(nil, 1<<20)
	ps.Buffer(nil, 1<<20)
	for line := 1; es.Scan(); line++ {
		if !ps.Scan() {
			return &Mismatch{"audit/proofs.jsonl", fmt.Sprintf("has no proof for line %d of entries.jsonl", line)}
		}
		var pl proofLine
		var rec audit.Record
		if err := json.Unmarshal(ps.Bytes(), &pl); err != nil {
			return &Mismatch{"audit/proofs.jsonl", fmt.Sprintf("line %d is not valid JSON", line)}
		}
		if err := json.Unmarshal(es.Bytes(), &rec); err != nil || rec.Seq != pl.Seq {
			return &Mismatch{"audit/entries.jsonl", fmt.Sprintf("line %d is not entry %d of the proofs", line, pl.Seq)}
		}
		proof := make(tlog.RecordProof, len(pl.Proof))
		for i, p := range pl.Proof {
			b, err := base64.StdEncoding.DecodeString(p)
			if err != nil || len(b) != tlog.HashSize {
				return &Mismatch{"audit/proofs.jsonl", fmt.Sprintf("line %d has a malformed hash", line)}
			}
			copy(proof[i][:], b)
		}
		if err := audit.CheckExtractRecord(head, pl.Seq, es.Text(), proof); err != nil {
			return &Mismatch{"audit/entries.jsonl", fmt.Sprintf("line %d: %v", line, err)}
		}
	}
	if ps.Scan() {
		return &Mismatch{"audit/proofs.jsonl", "has more proofs than entries.jsonl has entries"}
	}
	return nil
}
