-- The same guard as on PostgreSQL: signatures and signed texts are append-only.
CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
	BEGIN SELECT RAISE(ABORT, 'custos: signatures is append-only'); END;
CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
	BEGIN SELECT RAISE(ABORT, 'custos: signatures is append-only'); END;
CREATE TRIGGER signed_texts_no_update BEFORE UPDATE ON signed_texts
	BEGIN SELECT RAISE(ABORT, 'custos: signed_texts is append-only'); END;
CREATE TRIGGER signed_texts_no_delete BEFORE DELETE ON signed_texts
	BEGIN SELECT RAISE(ABORT, 'custos: signed_texts is append-only'); END;
