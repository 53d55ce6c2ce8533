-- Nothing in Custos changes or removes audit history; on PostgreSQL the database refuses it too,
-- so a bug or a stolen application login cannot rewrite it.
CREATE OR REPLACE FUNCTION custos_refuse_change() RETURNS trigger AS $$
BEGIN
	RAISE EXCEPTION 'custos: % on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER audit_hashes_append_only BEFORE UPDATE OR DELETE ON audit_hashes
	FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
	FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
