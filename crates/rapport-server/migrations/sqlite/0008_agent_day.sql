-- The agent's day: a wrap-up is bound to its call.
--
-- The call an interaction wraps up (NULL for contacts not recorded as a
-- call's wrap-up). When the wrap-up of a call arrives, also late from a
-- client's outbox, the server ends the agent's after-call work for it.
ALTER TABLE interactions ADD COLUMN call_id INTEGER REFERENCES calls (id) ON DELETE SET NULL;
CREATE INDEX interactions_call ON interactions (call_id) WHERE call_id IS NOT NULL;
