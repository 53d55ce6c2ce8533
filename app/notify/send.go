package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"custos/app/audit"
	"custos/app/db"
	"custos/app/people"
	"custos/app/training"
)

// Policy is how the sender paces itself and when it gives up.
type Policy struct {
	Poll        time.Duration // how often an idle sender looks for work
	Batch       int           // reminders claimed at once
	Lease       time.Duration // how long a claim keeps others away; longer than one SMTP exchange
	MaxAttempts int           // then the reminder is recorded as failed
	Backoff     time.Duration // the pause after the first failure; it doubles after each
	MaxBackoff  time.Duration
}

// DefaultPolicy retries for about six hours before giving up.
var DefaultPolicy = Policy{Poll: 10 * time.Second, Batch: 20, Lease: 5 * time.Minute,
	MaxAttempts: 10, Backoff: time.Minute, MaxBackoff: 2 * time.Hour}

// backoff is the pause after the n-th failed attempt.
func (p Policy) backoff(n int) time.Duration {
	d := p.Backoff
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, p.MaxBackoff)
}

// Sender delivers pending reminders. Any number of senders, in one process or many, may run on
// one database: each reminder is claimed by one of them at a time.
type Sender struct {
	Deps
	Mailer Mailer
	Policy Policy
}

// NewSender returns a sender with the mailer the configuration asks for.
func NewSender(d Deps) (*Sender, error) {
	m, err := NewMailer(d.Config, d.Log)
	if err != nil {
		return nil, err
	}
	return &Sender{Deps: d, Mailer: m, Policy: DefaultPolicy}, nil
}

// Run sends reminders until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	for {
		n, err := s.SendDue(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			s.Log.Warn("send reminders", "err", err)
		}
		if n > 0 && err == nil {
			continue // there may be more
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.Policy.Poll):
		}
	}
}

// SendDue claims one batch of due reminders and delivers them, returning how many it handled.
func (s *Sender) SendDue(ctx context.Context) (int, error) {
	batch, err := s.claim(ctx, s.Now())
	if err != nil {
		return 0, err
	}
	for i := range batch {
		if ctx.Err() != nil {
			s.release(ctx, batch[i:])
			return i, ctx.Err()
		}
		if err := s.deliver(ctx, &batch[i]); err != nil {
			s.release(ctx, batch[i+1:])
			return i, err
		}
	}
	return len(batch), nil
}

// release gives back claimed reminders this sender will not try after all (it is stopping),
// so another sender need not wait for their leases. The one whose sending was cut short keeps
// its lease: whether the server took it is unknown, and the lease is what makes it retried.
func (s *Sender) release(ctx context.Context, rest []Reminder) {
	if len(rest) == 0 {
		return
	}
	ids := make([]int64, len(rest))
	for i, r := range rest {
		ids[i] = r.ID
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, err := s.DB.NewUpdate().Model((*Reminder)(nil)).
		Set("lease_until = NULL").Set("attempts = attempts - 1").
		Where("id IN (?) AND claim = ? AND status = ?", bun.In(ids), rest[0].Claim, Pending).Exec(ctx)
	if err != nil {
		s.Log.Warn("release claimed reminders", "err", err)
	}
}

// claim takes up to a batch of due reminders for this sender: those pending whose next attempt
// is due and that nobody holds, or whose holder's lease ran out (it died mid-send). Each claim
// counts as an attempt. On PostgreSQL, SKIP LOCKED lets concurrent senders take different rows;
// SQLite's transactions take the write lock at BEGIN, so senders claim in turn.
func (s *Sender) claim(ctx context.Context, now time.Time) ([]Reminder, error) {
	b := make([]byte, 12)
	rand.Read(b)
	token := hex.EncodeToString(b)
	skipLocked := ""
	if db.IsPostgres(s.DB) {
		skipLocked = " FOR UPDATE SKIP LOCKED"
	}
	var out []Reminder
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		out = nil
		// MATERIALIZED: PostgreSQL may otherwise run a LIMIT subquery more than once in one
		// UPDATE and claim more rows than the batch (seen here).
		return tx.NewRaw(`WITH picked AS MATERIALIZED (
				SELECT id FROM reminders WHERE status = 'pending' AND next_attempt_at <= ?
				AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at, id LIMIT ?`+skipLocked+`)
			UPDATE reminders SET claim = ?, lease_until = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM picked) AND status = 'pending' AND (lease_until IS NULL OR lease_until <= ?)
			RETURNING *`, now, now, s.Policy.Batch, token, now.Add(s.Policy.Lease), now).Scan(ctx, &out)
	})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("claim reminders: %w", err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// verdict is what the sender decided to do with a claimed reminder before sending anything.
type verdict int

const (
	send verdict = iota
	skip
	invalidRecipient
)

// deliver sends one claimed reminder and records the outcome. Only a database failure is
// returned: everything about the message itself ends in the reminder's row.
func (s *Sender) deliver(ctx context.Context, r *Reminder) error {
	if r.Attempts > s.Policy.MaxAttempts {
		// Claimed again and again by senders that died before recording anything: whatever
		// kills them, it is not worth another try.
		r.LastError = fmt.Sprintf("given up after %d attempts that never finished", r.Attempts-1)
		return s.finish(ctx, r, Failed, Message{}, "reminder.failed")
	}
	msg, v, err := s.prepare(ctx, r)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return s.failed(ctx, r, msg, err)
	}
	switch v {
	case skip:
		return s.finish(ctx, r, Skipped, msg, "")
	case invalidRecipient:
		return s.finish(ctx, r, InvalidRecipient, msg, "reminder.failed")
	}
	if err := s.Mailer.Send(ctx, msg); err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // stopped mid-send: the lease runs out and the reminder is tried again
		}
		return s.failed(ctx, r, msg, err)
	}
	status := Sent
	if s.Mailer.Logs() {
		status = Logged
	}
	return s.finish(ctx, r, status, msg, "reminder.sent")
}

// prepare loads what the reminder's e-mail says, now, and decides whether it is still wanted:
// a training completed since it was planned, or a person who left, needs no reminder.
func (s *Sender) prepare(ctx context.Context, r *Reminder) (Message, verdict, error) {
	now := s.Now()
	p, err := people.ByID(ctx, s.DB, r.PersonID)
	if err != nil {
		return Message{}, 0, err
	}
	msg := Message{To: p.Email, ToName: p.Name, Lang: p.Locale, MessageID: s.messageID(r)}
	if !p.Current(now) {
		r.LastError = "the recipient has left"
		return msg, skip, nil
	}
	f := facts{Kind: r.Kind, Name: p.Name, Course: r.Course}
	if r.AssignmentID != nil {
		a := new(training.Assignment)
		if err := s.DB.NewSelect().Model(a).Where("id = ?", *r.AssignmentID).Scan(ctx); err != nil {
			return msg, 0, fmt.Errorf("load assignment %d: %w", *r.AssignmentID, err)
		}
		f.Course, f.Due = a.Course, a.DueAt
		if a.ValidUntil != nil {
			f.ValidUntil = *a.ValidUntil
		}
		done, err := s.settled(ctx, r.Kind, a)
		if err != nil {
			return msg, 0, err
		}
		if done {
			r.LastError = "the training was completed"
			return msg, skip, nil
		}
	}
	switch r.Kind {
	case KindManual:
		if r.RequestedBy != nil {
			m, err := people.ByID(ctx, s.DB, *r.RequestedBy)
			if err != nil {
				return msg, 0, err
			}
			f.Manager = m.Name
		}
	case KindDigest:
		if f.Overdue, f.MoreCount, err = overdueInTeam(ctx, s.DB, p.ID, now); err != nil {
			return msg, 0, err
		}
		if len(f.Overdue) == 0 {
			r.LastError = "nobody in the team is overdue any more"
			return msg, skip, nil
		}
	}
	if !people.ValidEmail(p.Email) {
		r.LastError = fmt.Sprintf("%q is not a valid e-mail address", p.Email)
		return msg, invalidRecipient, nil
	}
	lt := write(f, s.I18n.For(p.Locale), p.Location(), s.Catalog, s.Config.BaseURL, s.Config.OrgName)
	msg.Subject = lt.Subject
	if msg.Text, msg.HTML, err = lt.render(); err != nil {
		return msg, 0, err
	}
	return msg, send, nil
}

// settled reports whether a reminder of kind about a is no longer needed: the training is
// done, or for an expiring certificate, renewed (or revoked, which no reminder can mend).
func (s *Sender) settled(ctx context.Context, kind Kind, a *training.Assignment) (bool, error) {
	if kind != KindExpiring {
		return a.CompletedAt != nil, nil
	}
	n, err := s.DB.NewSelect().Table("assignments").
		Where("person_id = ? AND course = ? AND cycle > ? AND completed_at IS NOT NULL", a.PersonID, a.Course, a.Cycle).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("check renewal of %d: %w", a.ID, err)
	}
	revoked, err := s.DB.NewSelect().Table("certificates").
		Where("assignment_id = ? AND revoked_at IS NOT NULL", a.ID).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("check revocation of %d: %w", a.ID, err)
	}
	return n > 0 || revoked > 0, nil
}

// digestLimit bounds the lines of one digest; the rest is a count and a link.
const digestLimit = 50

// overdueInTeam lists the overdue assignments of everyone below managerID, the longest
// overdue first.
func overdueInTeam(ctx context.Context, idb bun.IDB, managerID int64, now time.Time) ([]overdueItem, int, error) {
	const team = `WITH RECURSIVE team(id) AS (
		SELECT id FROM people WHERE manager_id = ?
		UNION
		SELECT p.id FROM people p JOIN team t ON p.manager_id = t.id
	) `
	const from = ` FROM assignments a JOIN people p ON p.id = a.person_id
		WHERE a.person_id IN (SELECT id FROM team) AND a.completed_at IS NULL AND a.due_at < ?
		AND p.active AND (p.left_on IS NULL OR p.left_on > ?)`
	today := people.DateOf(now)
	var items []overdueItem
	err := idb.NewRaw(team+`SELECT p.name, a.course, a.due_at`+from+` ORDER BY a.due_at, p.name, a.id LIMIT ?`,
		managerID, now, today, digestLimit).Scan(ctx, &items)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("list overdue people of %d: %w", managerID, err)
	}
	var total int
	if err := idb.NewRaw(team+`SELECT COUNT(*)`+from, managerID, now, today).Scan(ctx, &total); err != nil {
		return nil, 0, fmt.Errorf("count overdue people of %d: %w", managerID, err)
	}
	return items, max(total-len(items), 0), nil
}

// messageID names a reminder's e-mail the same way on every attempt and every instance.
func (s *Sender) messageID(r *Reminder) string {
	host := "custos.invalid"
	if u, err := url.Parse(s.Config.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "reminder-" + strconv.FormatInt(r.ID, 10) + "@" + host
}

// failed records a failed attempt: tried again later with a longer pause, or, after the last
// attempt or a refusal of the address itself, recorded as failed for the admins to see.
func (s *Sender) failed(ctx context.Context, r *Reminder, msg Message, cause error) error {
	r.LastError = truncate(cause.Error(), 1000)
	if r.Attempts >= s.Policy.MaxAttempts || permanent(cause) {
		return s.finish(ctx, r, Failed, msg, "reminder.failed")
	}
	now := s.Now()
	_, err := s.DB.NewUpdate().Model((*Reminder)(nil)).
		Set("lease_until = NULL").
		Set("next_attempt_at = ?", now.Add(s.Policy.backoff(r.Attempts))).
		Set("last_error = ?", r.LastError).
		Set("recipient = ?", msg.To).
		Where("id = ? AND claim = ? AND status = ?", r.ID, r.Claim, Pending).
		Exec(context.WithoutCancel(ctx))
	if err != nil {
		return fmt.Errorf("record failed attempt of reminder %d: %w", r.ID, err)
	}
	s.Log.Warn("reminder not sent; will retry", "reminder", r.ID, "attempt", r.Attempts, "err", r.LastError)
	return nil
}

// finish records a reminder's final status and, when action is set, its audit record, in one
// transaction. It writes nothing if this sender's claim was lost (its lease ran out and another
// sender took the reminder over), so one reminder never gets two outcomes.
func (s *Sender) finish(ctx context.Context, r *Reminder, status Status, msg Message, action string) error {
	ctx = context.WithoutCancel(ctx) // a message that went out is recorded even during shutdown
	now := s.Now()
	err := s.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Reminder)(nil)).
			Set("status = ?", status).
			Set("lease_until = NULL").
			Set("done_at = ?", now).
			Set("recipient = ?", msg.To).
			Set("subject = ?", msg.Subject).
			Set("last_error = ?", r.LastError).
			Where("id = ? AND claim = ? AND status = ?", r.ID, r.Claim, Pending).
			Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || action == "" {
			return nil
		}
		details := map[string]string{"kind": string(r.Kind), "person": people.Subject(r.PersonID),
			"to": msg.To, "status": string(status), "attempts": strconv.Itoa(r.Attempts)}
		if r.AssignmentID != nil {
			details["assignment"] = strconv.FormatInt(*r.AssignmentID, 10)
		}
		if r.LastError != "" {
			details["error"] = r.LastError
		}
		return s.Audit.Append(ctx, tx, audit.Entry{At: now, Actor: "system", Action: action,
			Subject: Subject(r.ID), Details: details})
	})
	if err != nil {
		return fmt.Errorf("record reminder %d as %s: %w", r.ID, status, err)
	}
	if status == Failed || status == InvalidRecipient {
		s.Log.Warn("reminder failed for good", "reminder", r.ID, "status", status, "err", r.LastError)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
