-- A certificate is never deleted, and once issued only its revocation may be recorded, once.
CREATE OR REPLACE FUNCTION custos_certificate_guard() RETURNS trigger AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'custos: certificates are never deleted';
	END IF;
	IF OLD.revoked_at IS NOT NULL
		OR NEW.serial <> OLD.serial OR NEW.code <> OLD.code OR NEW.assignment_id <> OLD.assignment_id
		OR NEW.person_id <> OLD.person_id OR NEW.course <> OLD.course OR NEW.course_version <> OLD.course_version
		OR NEW.holder <> OLD.holder OR NEW.locale <> OLD.locale OR NEW.score IS DISTINCT FROM OLD.score
		OR NEW.issued_at <> OLD.issued_at OR NEW.valid_until <> OLD.valid_until
		OR NEW.pdf <> OLD.pdf OR NEW.pdf_sha256 <> OLD.pdf_sha256 THEN
		RAISE EXCEPTION 'custos: an issued certificate cannot be changed, only revoked once';
	END IF;
	RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER certificates_guard BEFORE UPDATE OR DELETE ON certificates
	FOR EACH ROW EXECUTE FUNCTION custos_certificate_guard();
