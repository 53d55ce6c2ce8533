// Package certs issues, serves, verifies and revokes certificates of completed training. The
// PDF layout lives in the certificates package; this one decides who gets what and keeps it.
package certs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/uptrace/bun"

	"custos/app/apperr"
)

// Status is what verification says of a certificate.
type Status string

// The statuses of SPEC.md.
const (
	Valid   Status = "valid"
	Expired Status = "expired"
	Revoked Status = "revoked"
)

// Certificate is an issued certificate. Nothing but its revocation ever changes.
type Certificate struct {
	bun.BaseModel `bun:"table:certificates"`

	ID            int64      `bun:"id,pk,autoincrement"`
	Serial        string     `bun:"serial,notnull"`
	Code          string     `bun:"code,notnull"`
	AssignmentID  int64      `bun:"assignment_id,notnull"`
	PersonID      int64      `bun:"person_id,notnull"`
	Course        string     `bun:"course,notnull"`
	CourseVersion string     `bun:"course_version,notnull"`
	Holder        string     `bun:"holder,notnull"`
	Locale        string     `bun:"locale,notnull"`
	Score         *int       `bun:"score"`
	IssuedAt      time.Time  `bun:"issued_at,notnull"`
	ValidUntil    time.Time  `bun:"valid_until,notnull"`
	RevokedAt     *time.Time `bun:"revoked_at"`
	RevokedBy     *int64     `bun:"revoked_by"`
	RevokeReason  string     `bun:"revoke_reason,notnull"`
	PDF           []byte     `bun:"pdf,notnull"`
	PDFSHA256     string     `bun:"pdf_sha256,notnull"`
}

// Status is the certificate's status at now.
func (c *Certificate) Status(now time.Time) Status {
	switch {
	case c.RevokedAt != nil:
		return Revoked
	case !now.Before(c.ValidUntil):
		return Expired
	}
	return Valid
}

// Crockford's base32 alphabet: no I, L, O or U, so codes read aloud or typed survive.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func randomChars(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// newSerial is a human-friendly serial such as CUS-2026-7KQ2M9: the year of issue and six
// random characters (a billion per year; a clash is retried).
func newSerial(issued time.Time) string {
	return fmt.Sprintf("CUS-%d-%s", issued.Year(), randomChars(6))
}

// newCode is the unguessable verification code: 16 characters, 80 bits, in groups of four.
func newCode() string {
	c := randomChars(16)
	return c[0:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:16]
}

// NormalizeCode reads a code as people type it: any case, with or without dashes or spaces,
// O for 0 and I or L for 1. ok is false for anything that cannot be a code.
func NormalizeCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || unicode.IsSpace(r):
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if !strings.ContainsRune(alphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	c := b.String()
	if len(c) != 16 {
		return "", false
	}
	return c[0:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:16], true
}

// validSerial reports whether s has the shape of a serial, so junk never reaches the database.
func validSerial(s string) bool {
	if len(s) != 15 || !strings.HasPrefix(s, "CUS-") || s[8] != '-' {
		return false
	}
	for _, r := range s[4:8] + s[9:] {
		if !strings.ContainsRune(alphabet, r) {
			return false
		}
	}
	return true
}

// BySerial loads a certificate by serial; a malformed serial is simply not found.
func BySerial(ctx context.Context, db bun.IDB, serial string) (*Certificate, error) {
	if !validSerial(serial) {
		return nil, apperr.New(apperr.NotFound, "error_not_found")
	}
	return loadOne(ctx, db.NewSelect().Where("serial = ?", serial))
}

// ByCode loads a certificate by verification code.
func ByCode(ctx context.Context, db bun.IDB, code string) (*Certificate, error) {
	c, ok := NormalizeCode(code)
	if !ok {
		return nil, apperr.New(apperr.NotFound, "cert_verify_unknown")
	}
	cert, err := loadOne(ctx, db.NewSelect().Where("code = ?", c))
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, apperr.New(apperr.NotFound, "cert_verify_unknown")
	}
	return cert, err
}

func loadOne(ctx context.Context, q *bun.SelectQuery) (*Certificate, error) {
	c := new(Certificate)
	err := q.Model(c).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "error_not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("load certificate: %w", err)
	}
	return c, nil
}

// SerialsFor maps assignments to their certificate serials, for lists that link them.
func SerialsFor(ctx context.Context, db bun.IDB, assignmentIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(assignmentIDs) == 0 {
		return out, nil
	}
	var rows []Certificate
	err := db.NewSelect().Model(&rows).Column("assignment_id", "serial").
		Where("assignment_id IN (?)", bun.In(assignmentIDs)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load certificate serials: %w", err)
	}
	for _, r := range rows {
		out[r.AssignmentID] = r.Serial
	}
	return out, nil
}

// store inserts c with a fresh serial, retrying on the (vanishingly rare) clash without
// aborting the transaction: ON CONFLICT DO NOTHING works the same in both dialects.
func store(ctx context.Context, tx bun.Tx, c *Certificate) error {
	sum := sha256.Sum256(c.PDF)
	c.PDFSHA256 = hex.EncodeToString(sum[:])
	for range 5 {
		var ids []int64
		err := tx.NewInsert().Model(c).On("CONFLICT DO NOTHING").Returning("id").Scan(ctx, &ids)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("store certificate: %w", err)
		}
		if len(ids) == 1 {
			c.ID = ids[0]
			return nil
		}
		var exists int
		if err := tx.NewSelect().Model((*Certificate)(nil)).ColumnExpr("COUNT(*)").Where("assignment_id = ?", c.AssignmentID).Scan(ctx, &exists); err != nil {
			return fmt.Errorf("store certificate: %w", err)
		}
		if exists > 0 {
			return apperr.New(apperr.Conflict, "error_not_found") // issued already: completion runs once
		}
		c.Serial = newSerial(c.IssuedAt) // the serial or code clashed: draw again
		c.Code = newCode()
	}
	return errors.New("store certificate: no free serial after 5 tries")
}
