-- API tokens act as the person who owns them. Only a hash is stored; the token is shown once.
CREATE TABLE api_tokens (
	id {{ID}},
	person_id BIGINT NOT NULL REFERENCES people (id),
	name TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	prefix TEXT NOT NULL,
	created_at {{TIMESTAMP}} NOT NULL,
	last_used_at {{TIMESTAMP}},
	revoked_at {{TIMESTAMP}}
);
CREATE INDEX api_tokens_person ON api_tokens (person_id);
