-- Auditor access: what an auditor may read and until when. Empty lists mean every course or
-- every department; the lists hold one entry per line (neither slugs nor departments can hold a
-- line break). After audit_until the auditor counts as no longer current: sign-in is refused and
-- their sessions end. The columns mean nothing for the other roles.
ALTER TABLE people ADD COLUMN audit_courses TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN audit_departments TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN audit_until DATE;
