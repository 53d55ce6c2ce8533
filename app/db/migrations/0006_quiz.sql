-- Quiz attempts are evidence: what was shown (question ids, option order, bank version), what
-- was answered, the score, and when. A row is written when the attempt starts and completed
-- exactly once when it is submitted or found expired; the guard migrations refuse anything else.
CREATE TABLE quiz_attempts (
	id {{ID}},
	assignment_id BIGINT NOT NULL REFERENCES assignments (id),
	person_id BIGINT NOT NULL REFERENCES people (id),
	course TEXT NOT NULL,
	attempt_no INTEGER NOT NULL CHECK (attempt_no >= 1),
	bank TEXT NOT NULL,
	bank_version TEXT NOT NULL,
	course_version TEXT NOT NULL,
	questions TEXT NOT NULL,
	total INTEGER NOT NULL CHECK (total >= 1),
	pass_mark INTEGER NOT NULL,
	locale TEXT NOT NULL,
	started_at {{TIMESTAMP}} NOT NULL,
	deadline {{TIMESTAMP}},
	submitted_at {{TIMESTAMP}},
	answers TEXT,
	score INTEGER,
	correct INTEGER,
	passed BOOLEAN,
	expired BOOLEAN,
	-- Attempt numbers are handed out once per assignment, so two starts racing each other (on
	-- one instance or two) cannot both take the last attempt.
	UNIQUE (assignment_id, attempt_no),
	CHECK (submitted_at IS NULL OR (answers IS NOT NULL AND score IS NOT NULL AND correct IS NOT NULL
		AND passed IS NOT NULL AND expired IS NOT NULL))
);
-- At most one open attempt per assignment.
CREATE UNIQUE INDEX quiz_attempts_one_open ON quiz_attempts (assignment_id) WHERE submitted_at IS NULL;
CREATE INDEX quiz_attempts_person ON quiz_attempts (person_id);

-- Extra attempts an administrator granted for one assignment, with who and why.
CREATE TABLE quiz_grants (
	id {{ID}},
	assignment_id BIGINT NOT NULL REFERENCES assignments (id),
	extra INTEGER NOT NULL CHECK (extra >= 1),
	granted_by BIGINT NOT NULL REFERENCES people (id),
	reason TEXT NOT NULL CHECK (reason <> ''),
	at {{TIMESTAMP}} NOT NULL
);
CREATE INDEX quiz_grants_assignment ON quiz_grants (assignment_id);
