//! Agents and tokens on PostgreSQL.

use async_trait::async_trait;

use super::PgConn;
use crate::error::Result;
use crate::store::{AgentRecord, AgentStore};

#[async_trait]
impl AgentStore for PgConn<'_> {
    async fn agent_by_name(&mut self, name: &str) -> Result<Option<AgentRecord>> {
        Ok(
            sqlx::query_as("SELECT id, name, role, team FROM agents WHERE name = $1")
                .bind(name)
                .fetch_optional(self.c())
                .await?,
        )
    }

    async fn agent_by_id(&mut self, id: i64) -> Result<Option<AgentRecord>> {
        Ok(
            sqlx::query_as("SELECT id, name, role, team FROM agents WHERE id = $1")
                .bind(id)
                .fetch_optional(self.c())
                .await?,
        )
    }

    async fn agents(&mut self) -> Result<Vec<AgentRecord>> {
        Ok(
            sqlx::query_as("SELECT id, name, role, team FROM agents ORDER BY name")
                .fetch_all(self.c())
                .await?,
        )
    }

    async fn agent_by_token(&mut self, token_sha256: &str) -> Result<Option<AgentRecord>> {
        Ok(sqlx::query_as(
            "SELECT a.id, a.name, a.role, a.team FROM api_tokens t JOIN agents a ON a.id = t.agent_id \
             WHERE t.token_sha256 = $1",
        )
        .bind(token_sha256)
        .fetch_optional(self.c())
        .await?)
    }

    async fn insert_agent(
        &mut self,
        name: &str,
        role: &str,
        team: Option<&str>,
        created_at: i64,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO agents (name, role, team, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(role)
        .bind(team)
        .bind(created_at)
        .fetch_one(self.c())
        .await?)
    }

    async fn insert_token(
        &mut self,
        token_sha256: &str,
        agent_id: i64,
        label: Option<&str>,
        created_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_tokens (token_sha256, agent_id, label, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_sha256)
        .bind(agent_id)
        .bind(label)
        .bind(created_at)
        .execute(self.c())
        .await?;
        Ok(())
    }

    async fn token_version(&mut self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT version FROM token_version WHERE id = 1")
                .fetch_one(self.c())
                .await?,
        )
    }

    async fn delete_labelled_tokens(&mut self, agent_id: i64, label: &str) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM api_tokens WHERE agent_id = $1 AND label = $2")
                .bind(agent_id)
                .bind(label)
                .execute(self.c())
                .await?
                .rows_affected(),
        )
    }
}
