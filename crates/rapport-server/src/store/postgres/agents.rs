//! Agents and tokens on PostgreSQL.

use async_trait::async_trait;

use super::PgConn;
use crate::error::Result;
use crate::store::{AgentRecord, AgentStore, TokenMatch, TokenRecord};

const AGENT: &str = "SELECT id, name, role, team, disabled_at FROM agents";
const TOKEN: &str = "SELECT t.id, t.agent_id, a.name AS agent_name, t.label, t.created_at, \
     t.last_used_at, t.expires_at FROM api_tokens t JOIN agents a ON a.id = t.agent_id";

#[derive(sqlx::FromRow)]
struct MatchRow {
    token_id: i64,
    expires_at: i64,
    id: i64,
    name: String,
    role: String,
    team: Option<String>,
    disabled_at: Option<i64>,
}

#[async_trait]
impl AgentStore for PgConn<'_> {
    async fn agent_by_name(&mut self, name: &str) -> Result<Option<AgentRecord>> {
        Ok(
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{AGENT} WHERE name = $1")))
                .bind(name)
                .fetch_optional(self.c())
                .await?,
        )
    }

    async fn agent_by_id(&mut self, id: i64) -> Result<Option<AgentRecord>> {
        Ok(
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{AGENT} WHERE id = $1")))
                .bind(id)
                .fetch_optional(self.c())
                .await?,
        )
    }

    async fn agents(&mut self) -> Result<Vec<AgentRecord>> {
        Ok(
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{AGENT} ORDER BY name")))
                .fetch_all(self.c())
                .await?,
        )
    }

    async fn token_by_hash(&mut self, token_sha256: &str) -> Result<Option<TokenMatch>> {
        let row: Option<MatchRow> = sqlx::query_as(
            "SELECT t.id AS token_id, t.expires_at, a.id, a.name, a.role, a.team, a.disabled_at \
             FROM api_tokens t JOIN agents a ON a.id = t.agent_id WHERE t.token_sha256 = $1",
        )
        .bind(token_sha256)
        .fetch_optional(self.c())
        .await?;
        Ok(row.map(|r| TokenMatch {
            token_id: r.token_id,
            expires_at: r.expires_at,
            agent: AgentRecord {
                id: r.id,
                name: r.name,
                role: r.role,
                team: r.team,
                disabled_at: r.disabled_at,
            },
        }))
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
        expires_at: i64,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO api_tokens (token_sha256, agent_id, label, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(token_sha256)
        .bind(agent_id)
        .bind(label)
        .bind(created_at)
        .bind(expires_at)
        .fetch_one(self.c())
        .await?)
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

    async fn tokens(&mut self, agent_id: Option<i64>) -> Result<Vec<TokenRecord>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{TOKEN} WHERE $1::BIGINT IS NULL OR t.agent_id = $1 ORDER BY a.name, t.id"
        )))
        .bind(agent_id)
        .fetch_all(self.c())
        .await?)
    }

    async fn token_by_id(&mut self, id: i64) -> Result<Option<TokenRecord>> {
        Ok(
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{TOKEN} WHERE t.id = $1")))
                .bind(id)
                .fetch_optional(self.c())
                .await?,
        )
    }

    async fn delete_token(&mut self, id: i64) -> Result<bool> {
        Ok(sqlx::query("DELETE FROM api_tokens WHERE id = $1")
            .bind(id)
            .execute(self.c())
            .await?
            .rows_affected()
            > 0)
    }

    async fn set_agent_disabled(&mut self, agent_id: i64, at: Option<i64>) -> Result<bool> {
        Ok(
            sqlx::query("UPDATE agents SET disabled_at = $1 WHERE id = $2")
                .bind(at)
                .bind(agent_id)
                .execute(self.c())
                .await?
                .rows_affected()
                > 0,
        )
    }

    async fn touch_tokens(&mut self, used: &[(i64, i64)]) -> Result<()> {
        for (id, at) in used {
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $1 \
                 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)",
            )
            .bind(at)
            .bind(id)
            .execute(self.c())
            .await?;
        }
        Ok(())
    }
}
