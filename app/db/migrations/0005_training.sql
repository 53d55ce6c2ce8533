-- One assignment per person, course and cycle. The unique key is what makes the scheduler
-- safe to run twice or on two instances at once: a second insert of the same cycle does nothing.
CREATE TABLE assignments (
	id {{ID}},
	person_id BIGINT NOT NULL REFERENCES people (id),
	course TEXT NOT NULL,
	cycle INTEGER NOT NULL CHECK (cycle >= 1),
	reason TEXT NOT NULL,
	course_version TEXT NOT NULL,
	opened_at {{TIMESTAMP}} NOT NULL,
	due_at {{TIMESTAMP}} NOT NULL,
	started_at {{TIMESTAMP}},
	completed_at {{TIMESTAMP}},
	valid_until {{TIMESTAMP}},
	created_at {{TIMESTAMP}} NOT NULL,
	UNIQUE (person_id, course, cycle)
);
CREATE INDEX assignments_course_due ON assignments (course, due_at);

-- A lesson read, with the version of the course and the language the person actually read.
CREATE TABLE lesson_progress (
	assignment_id BIGINT NOT NULL REFERENCES assignments (id),
	lesson TEXT NOT NULL,
	course_version TEXT NOT NULL,
	locale TEXT NOT NULL,
	seconds INTEGER NOT NULL,
	completed_at {{TIMESTAMP}} NOT NULL,
	PRIMARY KEY (assignment_id, lesson)
);

-- Locks for periodic jobs, so one instance runs each job at a time; a lock whose holder died
-- expires.
CREATE TABLE job_locks (
	name TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	expires_at {{TIMESTAMP}} NOT NULL
);
