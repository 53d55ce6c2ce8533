-- Nothing in Custos changes or removes a signature or the text it signed; the database refuses
-- it too (custos_refuse_change comes from 0004_audit_guard).
CREATE TRIGGER signatures_append_only BEFORE UPDATE OR DELETE ON signatures
	FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER signed_texts_append_only BEFORE UPDATE OR DELETE ON signed_texts
	FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
