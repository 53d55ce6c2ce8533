-- Row triggers do not fire on TRUNCATE; refuse it on every table that holds evidence.
CREATE OR REPLACE FUNCTION custos_refuse_truncate() RETURNS trigger AS $$
BEGIN
	RAISE EXCEPTION 'custos: TRUNCATE on % is not allowed: the table holds evidence', TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_truncate();
CREATE TRIGGER audit_hashes_no_truncate BEFORE TRUNCATE ON audit_hashes FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_truncate();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_truncate();
CREATE TRIGGER signatures_no_truncate BEFORE TRUNCATE ON signatures FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_truncate();
CREATE TRIGGER signed_texts_no_truncate BEFORE TRUNCATE ON signed_texts FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_truncate();
CREATE TRIGGER certificates_no_truncate BEFORE TRUNCATE ON certificates FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_truncate();
CREATE TRIGGER quiz_attempts_no_truncate BEFORE TRUNCATE ON quiz_attempts FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_truncate();
