-- The audit log is a Merkle tree as in Certificate Transparency (golang.org/x/mod/sumdb/tlog):
-- audit_log holds the records, audit_hashes the tree's stored hashes, audit_checkpoints signed
-- tree heads. seq is the record's index in the tree, so it starts at 0 and has no gaps.
CREATE TABLE audit_log (
	seq BIGINT PRIMARY KEY,
	at {{TIMESTAMP}} NOT NULL,
	actor_id BIGINT,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	subject TEXT NOT NULL,
	ip TEXT NOT NULL,
	record TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id);
CREATE INDEX audit_log_action ON audit_log (action);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TABLE audit_hashes (
	idx BIGINT PRIMARY KEY,
	hash {{BYTES}} NOT NULL
);

CREATE TABLE audit_checkpoints (
	size BIGINT PRIMARY KEY,
	root {{BYTES}} NOT NULL,
	note TEXT NOT NULL,
	at {{TIMESTAMP}} NOT NULL
);
