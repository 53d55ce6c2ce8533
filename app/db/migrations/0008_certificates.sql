-- One certificate per completed assignment; a new cycle brings a new one and old ones stay.
-- The PDF is kept in the database (every instance serves the same bytes) with its SHA-256.
CREATE TABLE certificates (
	id {{ID}},
	serial TEXT NOT NULL UNIQUE,
	code TEXT NOT NULL UNIQUE,
	assignment_id BIGINT NOT NULL UNIQUE REFERENCES assignments (id),
	person_id BIGINT NOT NULL REFERENCES people (id),
	course TEXT NOT NULL,
	course_version TEXT NOT NULL,
	holder TEXT NOT NULL,
	locale TEXT NOT NULL,
	score INTEGER,
	issued_at {{TIMESTAMP}} NOT NULL,
	valid_until {{TIMESTAMP}} NOT NULL,
	revoked_at {{TIMESTAMP}},
	revoked_by BIGINT REFERENCES people (id),
	revoke_reason TEXT NOT NULL DEFAULT '',
	pdf {{BYTES}} NOT NULL,
	pdf_sha256 TEXT NOT NULL
);
CREATE INDEX certificates_person ON certificates (person_id);

-- Fixed-window request counters shared by every instance (public verification, …).
CREATE TABLE rate_limits (
	key TEXT PRIMARY KEY,
	window_start {{TIMESTAMP}} NOT NULL,
	hits INTEGER NOT NULL
);
