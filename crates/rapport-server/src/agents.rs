//! Agents and their bearer tokens. A token is shown once, when issued; the
//! database keeps only its SHA-256, so a copy of the database does not let
//! anyone sign in.

use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use chrono::Utc;
use rand::RngCore;
use rapport_api::{Agent, AgentId, Role};
use sha2::{Digest, Sha256};

use crate::Db;
use crate::codes::Code;
use crate::error::Error;
use crate::store::{AgentRecord, Store};

/// Tokens start with this, so they are recognisable in a leaked log.
pub const TOKEN_PREFIX: &str = "rpt_";

/// Moves whenever this process revokes a token or changes an agent, so
/// tokens checked earlier and kept in memory are checked again at once
/// (changes by other processes move the `token_version` row instead).
static TOKENS_CHANGED: AtomicU64 = AtomicU64::new(0);

/// How many times this process has revoked a token or changed an agent.
pub fn tokens_changed() -> u64 {
    TOKENS_CHANGED.load(Ordering::SeqCst)
}

fn note_tokens_changed() {
    TOKENS_CHANGED.fetch_add(1, Ordering::SeqCst);
}

/// The `token_version` row: it moves whenever any process revokes a token
/// or changes an agent.
pub async fn token_version(db: &Db) -> Result<i64, Error> {
    db.read().await?.token_version().await
}

/// Hex SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

fn agent_from(r: AgentRecord) -> Result<Agent, Error> {
    Ok(Agent {
        id: r.id,
        name: r.name,
        role: Role::decode(&r.role)?,
        team: r.team,
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
    let mut tx = db.begin().await?;
    let id = insert_agent(&mut *tx, name, role, team).await?;
    let token = if with_token {
        Some(insert_token(&mut *tx, id, None).await?)
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

/// One agent to create, as a row of an agents CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgent {
    pub name: String,
    pub role: Role,
    pub team: Option<String>,
}

/// The most agents one CSV file may create.
pub const MAX_CSV_AGENTS: usize = 100_000;

/// Read an agents CSV: a header row naming `name` and optionally `role`
/// (agent, supervisor or admin; agent when empty) and `team`, in any order,
/// then one agent a row. Every problem is reported with its line, and any
/// problem means no agent is read.
pub fn read_csv(input: impl std::io::Read) -> Result<Vec<NewAgent>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(input);
    let header = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![format!("line 1: cannot read the header: {e}")]),
    };
    let col = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let Some(name_col) = col("name") else {
        return Err(vec![
            "line 1: the header must name a `name` column (and may name `role` and `team`)"
                .to_string(),
        ]);
    };
    let (role_col, team_col) = (col("role"), col("team"));
    if let Some(other) = header
        .iter()
        .find(|h| !["name", "role", "team"].contains(&h.to_ascii_lowercase().as_str()))
    {
        return Err(vec![format!(
            "line 1: unknown column `{other}`: the columns are name, role and team"
        )]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for row in reader.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        let name = row.get(name_col).unwrap_or_default().to_string();
        if name.is_empty() {
            errors.push(format!("line {line}: the name is empty"));
            continue;
        }
        if name.chars().any(char::is_control) {
            errors.push(format!("line {line}: the name contains control characters"));
            continue;
        }
        if let Some(first) = seen.insert(name.to_lowercase(), line) {
            errors.push(format!(
                "line {line}: '{name}' is already on line {first}; names must differ"
            ));
            continue;
        }
        let role = match role_col.and_then(|c| row.get(c)).filter(|r| !r.is_empty()) {
            None => Role::Agent,
            Some(r) => match r.parse::<Role>() {
                Ok(r) => r,
                Err(e) => {
                    errors.push(format!("line {line}: {e}"));
                    continue;
                }
            },
        };
        let team = team_col
            .and_then(|c| row.get(c))
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        out.push(NewAgent { name, role, team });
        if out.len() > MAX_CSV_AGENTS {
            errors.push(format!(
                "line {line}: more than {MAX_CSV_AGENTS} agents; split the file"
            ));
            break;
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push("the file has no agents after its header".to_string());
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Create every agent in `list` with a first token each, in one
/// transaction: all of them, or none when any name is taken.
pub async fn add_many(db: &Db, list: &[NewAgent]) -> anyhow::Result<Vec<(Agent, String)>> {
    let mut tx = db.begin().await?;
    let mut taken = Vec::new();
    for a in list {
        if let Some(found) = tx.agent_by_name(&a.name).await? {
            taken.push(format!("'{}' (id {})", a.name, found.id));
        }
    }
    if !taken.is_empty() {
        let more = if taken.len() > 10 {
            format!(" and {} more", taken.len() - 10)
        } else {
            String::new()
        };
        taken.truncate(10);
        anyhow::bail!(
            "no agent was added: these names are taken already: {}{more}; remove them from the file or issue tokens with `rapport-server agent token --name NAME`",
            taken.join(", ")
        );
    }
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        let id = insert_agent(&mut *tx, &a.name, a.role, a.team.as_deref()).await?;
        let token = insert_token(&mut *tx, id, None).await?;
        out.push((
            Agent {
                id,
                name: a.name.clone(),
                role: a.role,
                team: a.team.clone(),
            },
            token,
        ));
    }
    tx.commit().await?;
    Ok(out)
}

pub(crate) async fn insert_agent(
    s: &mut dyn Store,
    name: &str,
    role: Role,
    team: Option<&str>,
) -> Result<AgentId, Error> {
    s.insert_agent(name, role.code(), team, Utc::now().timestamp())
        .await
}

async fn insert_token(
    s: &mut dyn Store,
    agent_id: AgentId,
    label: Option<&str>,
) -> Result<String, Error> {
    let token = new_token();
    s.insert_token(&token_hash(&token), agent_id, label, Utc::now().timestamp())
        .await?;
    Ok(token)
}

/// Issue another token for an existing agent.
pub async fn issue_token(db: &Db, agent_id: AgentId) -> anyhow::Result<String> {
    let mut tx = db.begin().await?;
    ensure_agent(&mut *tx, agent_id).await?;
    let token = insert_token(&mut *tx, agent_id, None).await?;
    tx.commit().await?;
    Ok(token)
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
    let mut tx = db.begin().await?;
    ensure_agent(&mut *tx, agent_id).await?;
    tx.delete_labelled_tokens(agent_id, label).await?;
    let token = insert_token(&mut *tx, agent_id, Some(label)).await?;
    tx.commit().await?;
    note_tokens_changed();
    Ok(token)
}

async fn ensure_agent(s: &mut dyn Store, agent_id: AgentId) -> anyhow::Result<()> {
    s.agent_by_id(agent_id)
        .await?
        .map(|_| ())
        .with_context(|| format!("no agent with id {agent_id}"))
}

/// The agent with this exact name, if any.
pub async fn find_by_name(db: &Db, name: &str) -> anyhow::Result<Option<Agent>> {
    let row = db.read().await?.agent_by_name(name.trim()).await?;
    Ok(row.map(agent_from).transpose()?)
}

/// The agent with this id, if any.
pub async fn by_id(db: &Db, id: AgentId) -> Result<Option<Agent>, Error> {
    db.read()
        .await?
        .agent_by_id(id)
        .await?
        .map(agent_from)
        .transpose()
}

/// Every agent, by name.
pub async fn list(db: &Db) -> anyhow::Result<Vec<Agent>> {
    let rows = db.read().await?.agents().await?;
    Ok(rows.into_iter().map(agent_from).collect::<Result<_, _>>()?)
}

/// The agent a bearer token belongs to, if it is a valid token.
pub async fn authenticate(db: &Db, token: &str) -> Result<Option<Agent>, Error> {
    authenticate_hash(db, &token_hash(token.trim())).await
}

/// The agent whose token has this [`token_hash`], if any.
pub async fn authenticate_hash(db: &Db, hash: &str) -> Result<Option<Agent>, Error> {
    db.read()
        .await?
        .agent_by_token(hash)
        .await?
        .map(agent_from)
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agents_csv_is_read_whole_or_not_at_all() {
        let ok = read_csv("Team,name,ROLE\nBilling, Mei Lin ,\n,Ana Ruiz,supervisor\n".as_bytes())
            .unwrap();
        assert_eq!(
            ok,
            vec![
                NewAgent {
                    name: "Mei Lin".into(),
                    role: Role::Agent,
                    team: Some("Billing".into())
                },
                NewAgent {
                    name: "Ana Ruiz".into(),
                    role: Role::Supervisor,
                    team: None
                },
            ]
        );
        let bad = read_csv(
            "name,role\nMei Lin,agent\n,agent\nmei lin,agent\nTom,boss\nSam,agent,extra\n"
                .as_bytes(),
        )
        .unwrap_err();
        assert_eq!(bad.len(), 4, "{bad:?}");
        assert!(bad[0].starts_with("line 3: the name is empty"), "{bad:?}");
        assert!(
            bad[1].contains("line 4") && bad[1].contains("line 2"),
            "{bad:?}"
        );
        assert!(bad[2].starts_with("line 5:"), "{bad:?}");
        assert!(bad[3].starts_with("line 6:"), "{bad:?}");
        let e = read_csv("who,role\nMei,agent\n".as_bytes()).unwrap_err();
        assert!(e[0].contains("`name`"), "{e:?}");
        let e = read_csv("name,shift\nMei,early\n".as_bytes()).unwrap_err();
        assert!(e[0].contains("unknown column `shift`"), "{e:?}");
        let e = read_csv("name\n".as_bytes()).unwrap_err();
        assert!(e[0].contains("no agents"), "{e:?}");
    }

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

    crate::each_backend! {
        async fn agents_are_named_once_and_tokens_replaced_by_label(t) {
            let db = &t.db;
            let (ada, first) = add(db, " Ada Lovelace ", Role::Supervisor, Some("Billing")).await.unwrap();
            assert_eq!(ada.name, "Ada Lovelace");
            let again = add(db, "Ada Lovelace", Role::Agent, None).await.unwrap_err();
            assert!(again.to_string().contains("already exists"), "{again}");
            assert_eq!(authenticate(db, &first).await.unwrap(), Some(ada.clone()));
            assert_eq!(by_id(db, ada.id).await.unwrap(), Some(ada.clone()));
            assert_eq!(find_by_name(db, "Ada Lovelace").await.unwrap(), Some(ada.clone()));
            let bob = create(db, "Bob", Role::Agent, None).await.unwrap();
            assert_eq!(
                list(db).await.unwrap().into_iter().map(|a| a.name).collect::<Vec<_>>(),
                ["Ada Lovelace", "Bob"]
            );
            let one = replace_labelled_token(db, bob.id, "demo").await.unwrap();
            let two = replace_labelled_token(db, bob.id, "demo").await.unwrap();
            assert_eq!(authenticate(db, &one).await.unwrap(), None, "replaced");
            assert_eq!(authenticate(db, &two).await.unwrap(), Some(bob.clone()));
            let other = issue_token(db, bob.id).await.unwrap();
            assert_eq!(authenticate(db, &other).await.unwrap(), Some(bob));
            assert!(issue_token(db, 9999).await.is_err());
            assert_eq!(authenticate(db, "rpt_nothing").await.unwrap(), None);
        }
    }
}
