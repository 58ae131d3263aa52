-- PostgreSQL; see migrations/sqlite/0010_token_lifecycle.sql. Tokens expire
-- and record their last use; an agent can be disabled.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
UPDATE api_tokens SET expires_at = EXTRACT(EPOCH FROM now())::BIGINT + 90 * 86400;
ALTER TABLE agents ADD COLUMN disabled_at BIGINT;

-- Recording a token's use does not move the version; changes that decide
-- whether a token is valid do.
DROP TRIGGER api_tokens_changed ON api_tokens;
CREATE TRIGGER api_tokens_changed AFTER UPDATE OF token_sha256, agent_id, expires_at OR DELETE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION token_version_bump();
