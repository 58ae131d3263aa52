//! Agents and their bearer tokens. A token is shown once, when issued; the
//! database keeps only its SHA-256, so a copy of the database does not let
//! anyone sign in.

use anyhow::Context as _;
use chrono::Utc;
use rand::RngCore;
use rapport_api::{Agent, AgentId, Role};
use sha2::{Digest, Sha256};
use sqlx::SqliteConnection;

use crate::Db;
use crate::codes::Code;
use crate::error::Error;

/// Tokens start with this, so they are recognisable in a leaked log.
pub const TOKEN_PREFIX: &str = "rpt_";

/// Hex SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

fn agent_from(id: i64, name: String, role: &str, team: Option<String>) -> Result<Agent, Error> {
    Ok(Agent {
        id,
        name,
        role: Role::decode(role)?,
        team,
    })
}

/// Create an agent and issue a first token. Fails if the name is taken.
pub async fn add(
    db: &Db,
    name: &str,
    role: Role,
    team: Option<&str>,
) -> anyhow::Result<(Agent, String)> {
    create_inner(db, name, role, team, true)
        .await
        .map(|(a, t)| (a, t.unwrap_or_default()))
}

/// Create an agent without a token (one can be issued later).
pub async fn create(db: &Db, name: &str, role: Role, team: Option<&str>) -> anyhow::Result<Agent> {
    create_inner(db, name, role, team, false)
        .await
        .map(|(a, _)| a)
}

async fn create_inner(
    db: &Db,
    name: &str,
    role: Role,
    team: Option<&str>,
    with_token: bool,
) -> anyhow::Result<(Agent, Option<String>)> {
    let name = name.trim();
    anyhow::ensure!(!name.is_empty(), "an agent needs a name");
    if let Some(existing) = find_by_name(db, name).await? {
        anyhow::bail!(
            "an agent named '{}' already exists (id {}); choose another name or issue a new token with `rapport-server agent token --name '{}'`",
            existing.name,
            existing.id,
            existing.name
        );
    }
    let mut tx = db.pool.begin().await?;
    let id = insert_agent(&mut tx, name, role, team).await?;
    let token = if with_token {
        Some(insert_token(&mut tx, id, None).await?)
    } else {
        None
    };
    tx.commit().await?;
    Ok((
        Agent {
            id,
            name: name.to_string(),
            role,
            team: team.map(str::to_string),
        },
        token,
    ))
}

pub(crate) async fn insert_agent(
    conn: &mut SqliteConnection,
    name: &str,
    role: Role,
    team: Option<&str>,
) -> Result<AgentId, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO agents (name, role, team, created_at) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(name)
    .bind(role.code())
    .bind(team)
    .bind(Utc::now().timestamp())
    .fetch_one(conn)
    .await
}

async fn insert_token(
    conn: &mut SqliteConnection,
    agent_id: AgentId,
    label: Option<&str>,
) -> Result<String, sqlx::Error> {
    let token = new_token();
    sqlx::query(
        "INSERT INTO api_tokens (token_sha256, agent_id, label, created_at) VALUES (?, ?, ?, ?)",
    )
    .bind(token_hash(&token))
    .bind(agent_id)
    .bind(label)
    .bind(Utc::now().timestamp())
    .execute(conn)
    .await?;
    Ok(token)
}

/// Issue another token for an existing agent.
pub async fn issue_token(db: &Db, agent_id: AgentId) -> anyhow::Result<String> {
    let mut conn = db.pool.acquire().await?;
    ensure_agent(&mut conn, agent_id).await?;
    Ok(insert_token(&mut conn, agent_id, None).await?)
}

/// Issue a token under `label`, revoking the agent's earlier tokens with that
/// label (the embedded client takes a fresh one each run).
pub async fn replace_labelled_token(
    db: &Db,
    agent_id: AgentId,
    label: &str,
) -> anyhow::Result<String> {
    // Read, then write: take the write lock first, so another writer (a
    // server's analytics on the same file) makes this wait, not fail.
    let mut tx = db.write().await?;
    ensure_agent(&mut tx, agent_id).await?;
    sqlx::query("DELETE FROM api_tokens WHERE agent_id = ? AND label = ?")
        .bind(agent_id)
        .bind(label)
        .execute(&mut *tx)
        .await?;
    let token = insert_token(&mut tx, agent_id, Some(label)).await?;
    tx.commit().await?;
    Ok(token)
}

async fn ensure_agent(conn: &mut SqliteConnection, agent_id: AgentId) -> anyhow::Result<()> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM agents WHERE id = ?")
        .bind(agent_id)
        .fetch_optional(conn)
        .await?;
    found
        .map(|_| ())
        .with_context(|| format!("no agent with id {agent_id}"))
}

/// The agent with this exact name, if any.
pub async fn find_by_name(db: &Db, name: &str) -> anyhow::Result<Option<Agent>> {
    let row: Option<(i64, String, String, Option<String>)> =
        sqlx::query_as("SELECT id, name, role, team FROM agents WHERE name = ?")
            .bind(name.trim())
            .fetch_optional(&db.pool)
            .await?;
    Ok(row
        .map(|(id, name, role, team)| agent_from(id, name, &role, team))
        .transpose()?)
}

/// The agent with this id, if any.
pub async fn by_id(db: &Db, id: AgentId) -> Result<Option<Agent>, Error> {
    let row: Option<(i64, String, String, Option<String>)> =
        sqlx::query_as("SELECT id, name, role, team FROM agents WHERE id = ?")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    row.map(|(id, name, role, team)| agent_from(id, name, &role, team))
        .transpose()
}

/// Every agent, by name.
pub async fn list(db: &Db) -> anyhow::Result<Vec<Agent>> {
    let rows: Vec<(i64, String, String, Option<String>)> =
        sqlx::query_as("SELECT id, name, role, team FROM agents ORDER BY name")
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, role, team)| agent_from(id, name, &role, team))
        .collect::<Result<_, _>>()?)
}

/// The agent a bearer token belongs to, if it is a valid token.
pub async fn authenticate(db: &Db, token: &str) -> Result<Option<Agent>, Error> {
    let row: Option<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT a.id, a.name, a.role, a.team FROM api_tokens t JOIN agents a ON a.id = t.agent_id \
         WHERE t.token_sha256 = ?",
    )
    .bind(token_hash(token.trim()))
    .fetch_optional(&db.pool)
    .await?;
    row.map(|(id, name, role, team)| agent_from(id, name, &role, team))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 64);
        assert_ne!(a, b);
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
