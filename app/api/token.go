// Package api is Custos's JSON API under /api/v1: bearer tokens that act as their owner, the
// endpoints of SPEC.md and the OpenAPI document that describes them.
package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"custos/app/apperr"
	"custos/app/people"
)

// Token is an API token; the secret itself is never stored.
type Token struct {
	bun.BaseModel `bun:"table:api_tokens"`

	ID         int64      `bun:"id,pk,autoincrement"`
	PersonID   int64      `bun:"person_id,notnull"`
	Name       string     `bun:"name,notnull"`
	TokenHash  string     `bun:"token_hash,notnull"`
	Prefix     string     `bun:"prefix,notnull"` // the first characters, so people can tell tokens apart
	CreatedAt  time.Time  `bun:"created_at,notnull"`
	LastUsedAt *time.Time `bun:"last_used_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`

	Person *people.Person `bun:"rel:belongs-to,join:person_id=id"`
}

// tokenPrefix marks Custos tokens, so a leaked one is recognisable in logs and by secret scanners.
const tokenPrefix = "custos_"

func hashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CreateToken makes a new token for personID inside tx and returns the secret, which is shown
// once and never again.
func CreateToken(ctx context.Context, tx bun.Tx, personID int64, name string, now time.Time) (*Token, string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, "", fmt.Errorf("create token: %w", err)
	}
	secret := tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	if strings.TrimSpace(name) == "" {
		name = "API token"
	}
	t := &Token{PersonID: personID, Name: strings.TrimSpace(name), TokenHash: hashToken(secret), Prefix: secret[:len(tokenPrefix)+6], CreatedAt: now}
	if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
		return nil, "", fmt.Errorf("store token: %w", err)
	}
	return t, secret, nil
}

// Authenticate finds the live token for secret and its current owner, and notes its use (at
// most once a minute, so busy scripts do not write on every call).
func Authenticate(ctx context.Context, db bun.IDB, secret string, now time.Time) (*Token, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 100 {
		return nil, apperr.New(apperr.Unauthorized, "api_token_invalid")
	}
	t := new(Token)
	err := db.NewSelect().Model(t).Relation("Person").Where("token.token_hash = ?", hashToken(secret)).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.Unauthorized, "api_token_invalid")
	}
	if err != nil {
		return nil, fmt.Errorf("load token: %w", err)
	}
	if t.RevokedAt != nil || t.Person == nil || !t.Person.Current(now) {
		return nil, apperr.New(apperr.Unauthorized, "api_token_invalid")
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute {
		if _, err := db.NewUpdate().Model(t).Set("last_used_at = ?", now).WherePK().Exec(ctx); err != nil {
			return nil, fmt.Errorf("note token use: %w", err)
		}
	}
	return t, nil
}

// Tokens lists tokens, newest first; personID 0 lists everyone's.
func Tokens(ctx context.Context, db bun.IDB, personID int64) ([]Token, error) {
	var out []Token
	q := db.NewSelect().Model(&out).Relation("Person").Order("token.created_at DESC")
	if personID != 0 {
		q = q.Where("token.person_id = ?", personID)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken ends a token for good.
func RevokeToken(ctx context.Context, tx bun.Tx, id int64, now time.Time) (*Token, error) {
	t := new(Token)
	if err := tx.NewSelect().Model(t).Where("id = ?", id).Scan(ctx); errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "error_not_found")
	} else if err != nil {
		return nil, fmt.Errorf("load token %d: %w", id, err)
	}
	if t.RevokedAt != nil {
		return t, nil
	}
	if _, err := tx.NewUpdate().Model(t).Set("revoked_at = ?", now).WherePK().Exec(ctx); err != nil {
		return nil, fmt.Errorf("revoke token %d: %w", id, err)
	}
	t.RevokedAt = &now
	return t, nil
}
