package attest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"custos/app/signing"
)

// MethodTypedName is the signing method of a signature given by ticking the agreement box and
// typing one's full name. Stronger methods can follow under other names.
const MethodTypedName = "typed_name"

// RecordType names the layout of a signed record, so a later layout can be told apart.
const RecordType = "custos.signature/v1"

// signedAtLayout is the one spelling of a signature's time in records: UTC with microseconds,
// what both databases keep, so the column read back gives the same text.
const signedAtLayout = "2006-01-02T15:04:05.000000Z"

// Signature is one signed undertaking, as stored. Nothing updates or deletes a row.
type Signature struct {
	bun.BaseModel `bun:"table:signatures"`

	ID              int64     `bun:"id,pk,autoincrement"`
	PersonID        int64     `bun:"person_id,notnull"`
	Email           string    `bun:"email,notnull"`
	AssignmentID    int64     `bun:"assignment_id,notnull"`
	Course          string    `bun:"course,notnull"`
	Document        string    `bun:"document,notnull"` // the undertaking's name
	Version         string    `bun:"version,notnull"`  // hex SHA-256 of the text shown
	Locale          string    `bun:"locale,notnull"`   // the language of the text shown
	TextHash        string    `bun:"text_hash,notnull"`
	TypedName       string    `bun:"typed_name,notnull"`
	SignedAt        time.Time `bun:"signed_at,notnull"`
	IP              string    `bun:"ip,notnull"`
	UserAgent       string    `bun:"user_agent,notnull"`
	SessionID       int64     `bun:"session_id,notnull"`
	AuthMethod      string    `bun:"auth_method,notnull"` // how the signer signed in, e.g. password
	Method          string    `bun:"method,notnull"`      // how they signed, e.g. typed_name
	Record          string    `bun:"record,notnull"`      // the canonical JSON that was signed
	ServerSignature string    `bun:"server_signature,notnull"`
	KeyFingerprint  string    `bun:"key_fingerprint,notnull"`
}

// SignedText is the exact text of one version of an undertaking, kept once by its hash.
type SignedText struct {
	bun.BaseModel `bun:"table:signed_texts"`

	Document      string    `bun:"document,pk"`
	Version       string    `bun:"version,pk"`
	Locale        string    `bun:"locale,notnull"`
	Title         string    `bun:"title,notnull"`
	Text          string    `bun:"text,notnull"`
	FirstSignedAt time.Time `bun:"first_signed_at,notnull"`
}

// Record is the canonical form of a signature: the JSON encoding of this struct, fields in this
// order, no HTML escaping and no trailing newline. It holds every stored fact about the
// signature except the server's signature over it.
type Record struct {
	Type         string `json:"type"`
	PersonID     int64  `json:"person_id"`
	Email        string `json:"email"`
	AssignmentID int64  `json:"assignment_id"`
	Course       string `json:"course"`
	Document     string `json:"document"`
	Version      string `json:"version"`
	Locale       string `json:"locale"`
	TextHash     string `json:"text_hash"`
	TypedName    string `json:"typed_name"`
	SignedAt     string `json:"signed_at"`
	IP           string `json:"ip"`
	UserAgent    string `json:"user_agent"`
	SessionID    int64  `json:"session_id"`
	AuthMethod   string `json:"auth_method"`
	Method       string `json:"method"`
}

// recordOf builds the record the columns of s say.
func recordOf(s *Signature) Record {
	return Record{
		Type: RecordType, PersonID: s.PersonID, Email: s.Email, AssignmentID: s.AssignmentID,
		Course: s.Course, Document: s.Document, Version: s.Version, Locale: s.Locale,
		TextHash: s.TextHash, TypedName: s.TypedName, SignedAt: s.SignedAt.UTC().Format(signedAtLayout),
		IP: s.IP, UserAgent: s.UserAgent, SessionID: s.SessionID, AuthMethod: s.AuthMethod, Method: s.Method,
	}
}

// Canonical returns the record's canonical JSON text.
func (r Record) Canonical() string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		panic(fmt.Sprintf("attest: encode record: %v", err)) // strings and integers always encode
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// seal fills in s's record and the server's signature over it.
func seal(s *Signature, key *signing.Key) {
	s.SignedAt = s.SignedAt.UTC().Truncate(time.Microsecond)
	s.Record = recordOf(s).Canonical()
	s.ServerSignature = signing.Encode(key.Sign([]byte(s.Record)))
	s.KeyFingerprint = key.Fingerprint()
}

// textHash is the hex SHA-256 of a document's text: its version.
func textHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// Check re-verifies one signature with the server's public key: the stored record is exactly
// the canonical form of the columns, the text hash is the version, the key is the one given,
// and the Ed25519 signature over the record holds. text, when not nil, is the stored text of
// the version, which must hash to it. The error says what does not match.
func (s *Signature) Check(pub ed25519.PublicKey, text *SignedText) error {
	if want := recordOf(s).Canonical(); s.Record != want {
		return fmt.Errorf("record does not match the stored columns (%s)", firstDifference(s.Record, want))
	}
	if s.TextHash != s.Version {
		return fmt.Errorf("text hash %s is not the version %s", s.TextHash, s.Version)
	}
	if fp := signing.Fingerprint(pub); s.KeyFingerprint != fp {
		return fmt.Errorf("signed by key %s, not the server key %s", s.KeyFingerprint, fp)
	}
	sig, err := base64.StdEncoding.DecodeString(s.ServerSignature)
	if err != nil || !ed25519.Verify(pub, []byte(s.Record), sig) {
		return fmt.Errorf("server signature does not verify")
	}
	if text == nil {
		return fmt.Errorf("the signed text of version %s is missing", s.Version)
	}
	if got := textHash(text.Text); got != s.Version {
		return fmt.Errorf("the stored text of version %s hashes to %s", s.Version, got)
	}
	return nil
}

// firstDifference names the first record field whose value differs between two records, for
// an error an auditor can act on.
func firstDifference(stored, want string) string {
	var a, b map[string]any
	if json.Unmarshal([]byte(stored), &a) != nil {
		return "the stored record is not JSON"
	}
	json.Unmarshal([]byte(want), &b)
	for _, field := range recordFields {
		if fmt.Sprint(a[field]) != fmt.Sprint(b[field]) {
			return fmt.Sprintf("%s is %v in the record, %v in the table", field, a[field], b[field])
		}
	}
	return "the record is not in canonical form"
}

var recordFields = []string{"type", "person_id", "email", "assignment_id", "course", "document", "version",
	"locale", "text_hash", "typed_name", "signed_at", "ip", "user_agent", "session_id", "auth_method", "method"}
