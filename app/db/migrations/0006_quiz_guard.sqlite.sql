-- The same guard as on PostgreSQL: attempts are never deleted and are final once submitted;
-- grants are append-only.
CREATE TRIGGER quiz_attempts_no_delete BEFORE DELETE ON quiz_attempts
	BEGIN SELECT RAISE(ABORT, 'custos: quiz attempts are never deleted'); END;
CREATE TRIGGER quiz_attempts_final BEFORE UPDATE ON quiz_attempts
	WHEN OLD.submitted_at IS NOT NULL
	BEGIN SELECT RAISE(ABORT, 'custos: a submitted quiz attempt is final'); END;
CREATE TRIGGER quiz_grants_no_update BEFORE UPDATE ON quiz_grants
	BEGIN SELECT RAISE(ABORT, 'custos: quiz_grants is append-only'); END;
CREATE TRIGGER quiz_grants_no_delete BEFORE DELETE ON quiz_grants
	BEGIN SELECT RAISE(ABORT, 'custos: quiz_grants is append-only'); END;
