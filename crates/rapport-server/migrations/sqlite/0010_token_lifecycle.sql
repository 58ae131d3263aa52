-- Tokens expire, record when they were last used, and an agent can be
-- disabled (every token of theirs refused at once).
--
-- expires_at: seconds since the epoch; a token is refused from then on.
-- Tokens issued before this migration get 90 days from the upgrade.
-- last_used_at: when the token was last accepted, written at most about once
-- a minute per token (NULL: never used since this was recorded).
-- disabled_at: set while the agent is disabled.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN last_used_at INTEGER;
UPDATE api_tokens SET expires_at = CAST(strftime('%s', 'now') AS INTEGER) + 90 * 86400;
ALTER TABLE agents ADD COLUMN disabled_at INTEGER;

-- Recording a token's use is not a change that cached tokens must follow:
-- only updates of the columns that decide whether a token is valid move the
-- version.
DROP TRIGGER api_tokens_updated;
CREATE TRIGGER api_tokens_updated AFTER UPDATE OF token_sha256, agent_id, expires_at ON api_tokens
BEGIN
    UPDATE token_version SET version = version + 1;
END;
