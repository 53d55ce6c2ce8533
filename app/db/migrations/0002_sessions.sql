CREATE TABLE sessions (
	id {{ID}},
	token_hash TEXT NOT NULL UNIQUE,
	person_id BIGINT REFERENCES people (id),
	csrf_token TEXT NOT NULL,
	auth_method TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT '',
	created_at {{TIMESTAMP}} NOT NULL,
	last_seen_at {{TIMESTAMP}} NOT NULL,
	expires_at {{TIMESTAMP}} NOT NULL
);
CREATE INDEX sessions_person ON sessions (person_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE sign_in_throttle (
	key TEXT PRIMARY KEY,
	failures INTEGER NOT NULL,
	last_failure_at {{TIMESTAMP}} NOT NULL,
	blocked_until {{TIMESTAMP}} NOT NULL
);
