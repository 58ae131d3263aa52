-- A counter that moves whenever a token is revoked or an agent changes, so a
-- server that keeps checked tokens in memory notices changes made by another
-- process (the command line, a second server) by reading one row.
CREATE TABLE token_version (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL
);
INSERT INTO token_version (id, version) VALUES (1, 0);

CREATE TRIGGER api_tokens_deleted AFTER DELETE ON api_tokens
BEGIN
    UPDATE token_version SET version = version + 1;
END;
CREATE TRIGGER api_tokens_updated AFTER UPDATE ON api_tokens
BEGIN
    UPDATE token_version SET version = version + 1;
END;
CREATE TRIGGER agents_updated AFTER UPDATE ON agents
BEGIN
    UPDATE token_version SET version = version + 1;
END;
CREATE TRIGGER agents_deleted AFTER DELETE ON agents
BEGIN
    UPDATE token_version SET version = version + 1;
END;
