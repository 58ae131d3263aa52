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
    /// When the agent was disabled (every token refused); None while enabled.
    pub disabled_at: Option<i64>,
}

/// A token as stored, without its hash.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenRecord {
    pub id: i64,
    pub agent_id: i64,
    pub agent_name: String,
    pub label: Option<String>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub expires_at: i64,
}

/// What a token's hash finds: the token and the agent it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenMatch {
    pub token_id: i64,
    pub expires_at: i64,
    pub agent: AgentRecord,
}

#[async_trait]
pub trait AgentStore {
    /// The agent with exactly this name.
    async fn agent_by_name(&mut self, name: &str) -> Result<Option<AgentRecord>>;
    /// The agent with this id.
    async fn agent_by_id(&mut self, id: i64) -> Result<Option<AgentRecord>>;
    /// Every agent, by name.
    async fn agents(&mut self) -> Result<Vec<AgentRecord>>;
    /// The token with this hash and its agent, expired or disabled included.
    async fn token_by_hash(&mut self, token_sha256: &str) -> Result<Option<TokenMatch>>;
    /// Add an agent; its id. Fails on a name already taken (unique).
    async fn insert_agent(
        &mut self,
        name: &str,
        role: &str,
        team: Option<&str>,
        created_at: i64,
    ) -> Result<i64>;
    /// Store a token's hash for an agent; the token's id.
    async fn insert_token(
        &mut self,
        token_sha256: &str,
        agent_id: i64,
        label: Option<&str>,
        created_at: i64,
        expires_at: i64,
    ) -> Result<i64>;
    /// The counter that moves whenever any process revokes a token or
    /// changes an agent (kept by triggers).
    async fn token_version(&mut self) -> Result<i64>;
    /// Remove the agent's tokens with this label; how many.
    async fn delete_labelled_tokens(&mut self, agent_id: i64, label: &str) -> Result<u64>;
    /// Tokens (never their hashes), of one agent or of all, by agent name
    /// then id.
    async fn tokens(&mut self, agent_id: Option<i64>) -> Result<Vec<TokenRecord>>;
    /// The token with this id.
    async fn token_by_id(&mut self, id: i64) -> Result<Option<TokenRecord>>;
    /// Remove the token with this id; whether there was one.
    async fn delete_token(&mut self, id: i64) -> Result<bool>;
    /// Disable (Some: since when) or enable (None) an agent; whether the
    /// agent exists.
    async fn set_agent_disabled(&mut self, agent_id: i64, at: Option<i64>) -> Result<bool>;
    /// Record tokens' last use: (token id, when), each only moving forward.
    async fn touch_tokens(&mut self, used: &[(i64, i64)]) -> Result<()>;
}
