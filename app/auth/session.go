package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"custos/app/db"
	"custos/app/people"
)

// Session is a browser's session, kept on the server. The cookie holds a random token; only its
// hash is stored, so a copy of the database does not let anyone sign in.
type Session struct {
	bun.BaseModel `bun:"table:sessions"`

	ID         int64     `bun:"id,pk,autoincrement"`
	TokenHash  string    `bun:"token_hash,notnull"`
	PersonID   *int64    `bun:"person_id"`
	CSRFToken  string    `bun:"csrf_token,notnull"`
	AuthMethod string    `bun:"auth_method,notnull"`
	IP         string    `bun:"ip,notnull"`
	UserAgent  string    `bun:"user_agent,notnull"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
	LastSeenAt time.Time `bun:"last_seen_at,notnull"`
	ExpiresAt  time.Time `bun:"expires_at,notnull"`

	Person *people.Person `bun:"rel:belongs-to,join:person_id=id"` // loaded with the session: one query per request
}

// signInFormLifetime bounds the sign-in form's token.
const signInFormLifetime = 2 * time.Hour

// tokenBytes is the randomness of a session or form token: 256 bits.
const tokenBytes = 32

func randomToken() string {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err)) // the system cannot make secrets; stop
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// createSession stores a new session and returns it with the token for the cookie.
func createSession(ctx context.Context, db bun.IDB, personID int64, method, ip, ua string, now time.Time, lifetime time.Duration) (*Session, string, error) {
	token := randomToken()
	s := &Session{
		TokenHash: hashToken(token), PersonID: &personID, CSRFToken: randomToken(), AuthMethod: method,
		IP: ip, UserAgent: truncate(ua, 400), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(lifetime),
	}
	if _, err := db.NewInsert().Model(s).Exec(ctx); err != nil {
		return nil, "", fmt.Errorf("create session: %w", err)
	}
	return s, token, nil
}

// sessionRow is a session and its person as the lookup behind every page returns them: one
// row, the person's columns prefixed (and NULL for a session that has not signed in).
type sessionRow struct {
	Session `bun:",extend"`
	Signed  people.Person `bun:"embed:person__"`
}

// sessionLookup is the query behind every page: a session by its token hash, with its person.
// It reads only what a request needs of them: not the password hash, not the HR fields.
func sessionLookup(d *bun.DB) *db.Statement {
	return db.NewStatement(d, d.NewSelect().Model((*Session)(nil)).
		Column("id", "person_id", "csrf_token", "last_seen_at", "expires_at").
		Relation("Person", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Column("id", "email", "name", "role", "locale", "time_zone", "active", "left_on", "audit_until")
		}).
		Where("session.token_hash = ?", db.Param(d, 1)))
}

// sessionByToken loads the live session of a cookie token; ok is false when there is none or it
// has expired (idle too long or past its absolute lifetime).
func (h *Handler) sessionByToken(ctx context.Context, token string, now time.Time) (*Session, bool, error) {
	if token == "" || len(token) > 100 {
		return nil, false, nil
	}
	var row sessionRow
	err := h.lookup.One(ctx, &row, hashToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("load session: %w", err)
	}
	s := &row.Session
	if s.PersonID != nil {
		s.Person = &row.Signed
	}
	if !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) > h.s.Config.SessionIdle {
		_, err := h.s.DB.NewDelete().Model(s).WherePK().Exec(ctx)
		return nil, false, err
	}
	return s, true, nil
}

// touch records activity, at most once a minute so reading pages does not mean a write each time.
func touch(ctx context.Context, db bun.IDB, s *Session, now time.Time) error {
	if now.Sub(s.LastSeenAt) < time.Minute {
		return nil
	}
	_, err := db.NewUpdate().Model(s).Set("last_seen_at = ?", now).WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// EndSessions signs a person out everywhere: used when they are deactivated or leave.
func EndSessions(ctx context.Context, db bun.IDB, personID int64) error {
	if _, err := db.NewDelete().Model((*Session)(nil)).Where("person_id = ?", personID).Exec(ctx); err != nil {
		return fmt.Errorf("end sessions of %d: %w", personID, err)
	}
	return nil
}

// Purge deletes expired sessions; any instance may run it at any time.
func Purge(ctx context.Context, db bun.IDB, now time.Time, idle time.Duration) (int64, error) {
	res, err := db.NewDelete().Model((*Session)(nil)).
		Where("expires_at <= ? OR last_seen_at < ?", now, now.Add(-idle)).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
