CREATE TABLE people (
	id {{ID}},
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL CHECK (name <> ''),
	department TEXT NOT NULL DEFAULT '',
	manager_id BIGINT REFERENCES people (id),
	role TEXT NOT NULL CHECK (role IN ('employee', 'manager', 'auditor', 'admin')),
	locale TEXT NOT NULL CHECK (locale IN ('en', 'zh-Hans')),
	time_zone TEXT NOT NULL,
	hired_on DATE,
	left_on DATE,
	active BOOLEAN NOT NULL,
	password_hash TEXT NOT NULL,
	created_at {{TIMESTAMP}} NOT NULL,
	updated_at {{TIMESTAMP}} NOT NULL,
	CHECK (manager_id IS NULL OR manager_id <> id)
);
CREATE INDEX people_manager ON people (manager_id);
CREATE INDEX people_department ON people (department);
