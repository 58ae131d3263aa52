-- PostgreSQL; see migrations/sqlite/0008_agent_day.sql. The call an
-- interaction wraps up.
ALTER TABLE interactions ADD COLUMN call_id BIGINT REFERENCES calls (id) ON DELETE SET NULL;
CREATE INDEX interactions_call ON interactions (call_id) WHERE call_id IS NOT NULL;
