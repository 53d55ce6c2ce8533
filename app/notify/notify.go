// Package notify is Custos's e-mail: the planner that decides which reminders are due, the
// durable outbox they wait in, the sender that delivers them over SMTP (or to the log when no
// server is configured), and the pages where people and admins see what was sent.
//
// One table, reminders, is both the ledger and the queue. Its unique indexes make every
// reminder be planned at most once per (assignment, kind, occurrence) or, for a manager's
// digest, per (manager, ISO week), whoever plans it and however often. The sender claims rows
// with a lease; a claimed row whose sender died is claimed again once the lease runs out.
// Delivery is therefore at least once: a sender killed exactly between the SMTP server's
// acceptance and the status update will send that one message again. Every message carries a
// Message-ID derived from its row, so a receiving system can drop such a repeat.
package notify

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"custos/app/audit"
	"custos/app/config"
	"custos/courses"
	"custos/locales"
)

// Kind is what a reminder is about.
type Kind string

// The kinds of reminder.
const (
	KindAssigned Kind = "assigned" // a new assignment
	KindDue7     Kind = "due_7d"   // due in 7 days
	KindDue1     Kind = "due_1d"   // due tomorrow
	KindOverdue  Kind = "overdue"  // past due, then weekly until done
	KindExpiring Kind = "expiring" // a certificate runs out soon
	KindDigest   Kind = "digest"   // a manager's weekly list of overdue people
	KindManual   Kind = "manual"   // a manager pressed "remind"
)

// Kinds lists every kind, for filters and tests.
var Kinds = []Kind{KindAssigned, KindDue7, KindDue1, KindOverdue, KindExpiring, KindDigest, KindManual}

// Status is where a reminder stands.
type Status string

// The statuses of a reminder. Only pending ever changes.
const (
	Pending          Status = "pending"           // waiting to be sent, or being retried
	Sent             Status = "sent"              // accepted by the SMTP server
	Logged           Status = "logged"            // written to the log: no SMTP server is configured
	Failed           Status = "failed"            // given up after the last attempt, or refused for good
	InvalidRecipient Status = "invalid_recipient" // the person has no usable e-mail address
	Skipped          Status = "skipped"           // no longer needed when its turn came (done, left)
)

// Statuses lists every status, for filters.
var Statuses = []Status{Pending, Sent, Logged, Failed, InvalidRecipient, Skipped}

// Reminder is one planned e-mail and what became of it.
type Reminder struct {
	bun.BaseModel `bun:"table:reminders,alias:reminder"`

	ID            int64      `bun:"id,pk,autoincrement"`
	Kind          Kind       `bun:"kind,notnull"`
	PersonID      int64      `bun:"person_id,notnull"` // the recipient
	AssignmentID  *int64     `bun:"assignment_id"`     // nil for a digest
	Occurrence    string     `bun:"occurrence,notnull"`
	Course        string     `bun:"course,notnull"` // slug, "" for a digest
	RequestedBy   *int64     `bun:"requested_by"`   // the manager of a manual reminder
	Status        Status     `bun:"status,notnull"`
	Attempts      int        `bun:"attempts,notnull"`
	NextAttemptAt time.Time  `bun:"next_attempt_at,notnull"`
	LeaseUntil    *time.Time `bun:"lease_until"`
	Claim         string     `bun:"claim,notnull"`
	Recipient     string     `bun:"recipient,notnull"` // the address used, once tried
	Subject       string     `bun:"subject,notnull"`   // as sent, in the recipient's language
	LastError     string     `bun:"last_error,notnull"`
	CreatedAt     time.Time  `bun:"created_at,notnull"`
	DoneAt        *time.Time `bun:"done_at"`
}

// Subject names a reminder in audit records.
func Subject(id int64) string { return "reminder:" + strconv.FormatInt(id, 10) }

// Deps is what the planner, the sender and the pages take from the App.
type Deps struct {
	DB      *bun.DB
	Audit   *audit.Log
	I18n    *locales.Bundle
	Catalog *courses.Catalog
	Config  config.Config
	Log     *slog.Logger
	Now     func() time.Time
}
