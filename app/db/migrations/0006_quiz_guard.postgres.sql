-- Quiz attempts are evidence. The product never deletes one and completes each exactly once
-- (on submission or expiry); after that the row is final, and the database refuses changes
-- even from a bug or a stolen application login.
CREATE OR REPLACE FUNCTION custos_quiz_attempt_guard() RETURNS trigger AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		RAISE EXCEPTION 'custos: quiz attempts are never deleted';
	END IF;
	IF OLD.submitted_at IS NOT NULL THEN
		RAISE EXCEPTION 'custos: quiz attempt % is submitted and final', OLD.id;
	END IF;
	RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER quiz_attempts_guard BEFORE UPDATE OR DELETE ON quiz_attempts
	FOR EACH ROW EXECUTE FUNCTION custos_quiz_attempt_guard();

-- Grants are append-only, like the audit log (custos_refuse_change comes from 0004).
CREATE TRIGGER quiz_grants_append_only BEFORE UPDATE OR DELETE ON quiz_grants
	FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
