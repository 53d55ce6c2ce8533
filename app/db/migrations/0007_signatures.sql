-- Signed undertakings. A signature's record is the canonical JSON of the columns beside it,
-- signed with the server's Ed25519 key; the columns exist for queries and are checked against
-- the record by attest.VerifyAll. The unique key makes a double submit, or two instances taking
-- the same submit at once, store one signature.
CREATE TABLE signatures (
	id {{ID}},
	person_id BIGINT NOT NULL REFERENCES people (id),
	email TEXT NOT NULL,
	assignment_id BIGINT NOT NULL REFERENCES assignments (id),
	course TEXT NOT NULL,
	document TEXT NOT NULL,
	version TEXT NOT NULL,
	locale TEXT NOT NULL,
	text_hash TEXT NOT NULL,
	typed_name TEXT NOT NULL,
	signed_at {{TIMESTAMP}} NOT NULL,
	ip TEXT NOT NULL,
	user_agent TEXT NOT NULL,
	session_id BIGINT NOT NULL,
	auth_method TEXT NOT NULL,
	method TEXT NOT NULL,
	record TEXT NOT NULL,
	server_signature TEXT NOT NULL,
	key_fingerprint TEXT NOT NULL,
	UNIQUE (assignment_id, document, version)
);
CREATE INDEX signatures_person ON signatures (person_id);
CREATE INDEX signatures_document_version ON signatures (document, version);

-- The exact text of every version someone signed, by document and SHA-256, so a receipt and a
-- check can be made after the catalogue has moved on to a newer version.
CREATE TABLE signed_texts (
	document TEXT NOT NULL,
	version TEXT NOT NULL,
	locale TEXT NOT NULL,
	title TEXT NOT NULL,
	text TEXT NOT NULL,
	first_signed_at {{TIMESTAMP}} NOT NULL,
	PRIMARY KEY (document, version)
);
