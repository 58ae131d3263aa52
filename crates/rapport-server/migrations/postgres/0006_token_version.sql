-- PostgreSQL; see migrations/sqlite/0006_token_version.sql. A counter that
-- moves whenever a token is revoked or an agent changes, so a server that
-- keeps checked tokens in memory notices changes made elsewhere.
CREATE TABLE token_version (
    id       BIGINT  PRIMARY KEY CHECK (id = 1),
    version  BIGINT  NOT NULL
);
INSERT INTO token_version (id, version) VALUES (1, 0);

CREATE FUNCTION token_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE token_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER api_tokens_changed AFTER UPDATE OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION token_version_bump();
CREATE TRIGGER agents_changed AFTER UPDATE OR DELETE ON agents
    FOR EACH STATEMENT EXECUTE FUNCTION token_version_bump();
