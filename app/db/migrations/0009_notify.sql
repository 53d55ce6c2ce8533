-- Every e-mail Custos sends is one row here. The row is both the ledger that says a reminder was
-- planned (the unique indexes below let each one be planned once, even by two instances at once
-- or after a restart) and the outbox the sender claims it from, retries it in and records its
-- outcome in. occurrence tells repeats apart: '' for one-off kinds, the week since the due date
-- for overdue reminders, the ISO week for a manager's digest, the recipient's day for a manager's
-- manual reminder (so one a day per assignment).
CREATE TABLE reminders (
	id {{ID}},
	kind TEXT NOT NULL CHECK (kind IN ('assigned', 'due_7d', 'due_1d', 'overdue', 'expiring', 'digest', 'manual')),
	person_id BIGINT NOT NULL REFERENCES people (id),
	assignment_id BIGINT REFERENCES assignments (id),
	occurrence TEXT NOT NULL,
	course TEXT NOT NULL DEFAULT '',
	requested_by BIGINT REFERENCES people (id),
	status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'logged', 'failed', 'invalid_recipient', 'skipped')),
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at {{TIMESTAMP}} NOT NULL,
	lease_until {{TIMESTAMP}},
	claim TEXT NOT NULL DEFAULT '',
	recipient TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL DEFAULT '',
	last_error TEXT NOT NULL DEFAULT '',
	created_at {{TIMESTAMP}} NOT NULL,
	done_at {{TIMESTAMP}},
	CHECK ((kind = 'digest') = (assignment_id IS NULL))
);
CREATE UNIQUE INDEX reminders_once_per_assignment ON reminders (assignment_id, kind, occurrence)
	WHERE assignment_id IS NOT NULL;
CREATE UNIQUE INDEX reminders_once_per_person ON reminders (person_id, kind, occurrence)
	WHERE assignment_id IS NULL;
CREATE INDEX reminders_pending ON reminders (next_attempt_at) WHERE status = 'pending';
CREATE INDEX reminders_person ON reminders (person_id, id);
CREATE INDEX reminders_status ON reminders (status, id);
