-- The same guard as on PostgreSQL: never deleted; only a first revocation may be recorded.
CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates
	BEGIN SELECT RAISE(ABORT, 'custos: certificates are never deleted'); END;
CREATE TRIGGER certificates_only_revoke BEFORE UPDATE ON certificates
	WHEN OLD.revoked_at IS NOT NULL
		OR NEW.serial IS NOT OLD.serial OR NEW.code IS NOT OLD.code OR NEW.assignment_id IS NOT OLD.assignment_id
		OR NEW.person_id IS NOT OLD.person_id OR NEW.course IS NOT OLD.course OR NEW.course_version IS NOT OLD.course_version
		OR NEW.holder IS NOT OLD.holder OR NEW.locale IS NOT OLD.locale OR NEW.score IS NOT OLD.score
		OR NEW.issued_at IS NOT OLD.issued_at OR NEW.valid_until IS NOT OLD.valid_until
		OR NEW.pdf IS NOT OLD.pdf OR NEW.pdf_sha256 IS NOT OLD.pdf_sha256
	BEGIN SELECT RAISE(ABORT, 'custos: an issued certificate cannot be changed, only revoked once'); END;
