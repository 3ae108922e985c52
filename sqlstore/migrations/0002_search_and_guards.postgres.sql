-- PostgreSQL: merchant search through a GIN index over the bigrams the
-- store computes (search_grams); and a trigger that makes the audit trail
-- append-only.

CREATE INDEX merchants_search ON merchants USING GIN (to_tsvector('simple', search_grams));

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
