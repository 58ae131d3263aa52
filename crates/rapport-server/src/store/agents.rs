//! Agents and their bearer tokens (stored as SHA-256 hex only).

use async_trait::async_trait;

use crate::error::Result;

/// An agent as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AgentRecord {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub team: Option<String>,
}

#[async_trait]
pub trait AgentStore {
    /// The agent with exactly this name.
    async fn agent_by_name(&mut self, name: &str) -> Result<Option<AgentRecord>>;
    /// The agent with this id.
    async fn agent_by_id(&mut self, id: i64) -> Result<Option<AgentRecord>>;
    /// Every agent, by name.
    async fn agents(&mut self) -> Result<Vec<AgentRecord>>;
    /// The agent whose token has this hash.
    async fn agent_by_token(&mut self, token_sha256: &str) -> Result<Option<AgentRecord>>;
    /// Add an agent; its id. Fails on a name already taken (unique).
    async fn insert_agent(
        &mut self,
        name: &str,
        role: &str,
        team: Option<&str>,
        created_at: i64,
    ) -> Result<i64>;
    /// Store a token's hash for an agent.
    async fn insert_token(
        &mut self,
        token_sha256: &str,
        agent_id: i64,
        label: Option<&str>,
        created_at: i64,
    ) -> Result<()>;
    /// The counter that moves whenever any process revokes a token or
    /// changes an agent (kept by triggers).
    async fn token_version(&mut self) -> Result<i64>;
    /// Remove the agent's tokens with this label; how many.
    async fn delete_labelled_tokens(&mut self, agent_id: i64, label: &str) -> Result<u64>;
}
