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
use crate::store::{AgentRecord, Store, TokenRecord};

/// Tokens start with this, so they are recognisable in a leaked log.
pub const TOKEN_PREFIX: &str = "rpt_";

/// Days a token is valid for unless told otherwise (`--expires-days`,
/// `RAPPORT_TOKEN_DAYS`).
pub const DEFAULT_TOKEN_DAYS: u32 = 90;
/// The longest a token may be issued for (ten years).
pub const MAX_TOKEN_DAYS: u32 = 3650;

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

/// A token's lifetime in days, checked: 1 to [`MAX_TOKEN_DAYS`].
pub fn check_days(days: u32) -> anyhow::Result<u32> {
    anyhow::ensure!(
        (1..=MAX_TOKEN_DAYS).contains(&days),
        "a token's lifetime must be 1 to {MAX_TOKEN_DAYS} days, not {days}"
    );
    Ok(days)
}

fn agent_from(r: AgentRecord) -> Result<Agent, Error> {
    Ok(Agent {
        id: r.id,
        name: r.name,
        role: Role::decode(&r.role)?,
        team: r.team,
    })
}

/// Create an agent and issue a first token, valid for
/// [`DEFAULT_TOKEN_DAYS`]. Fails if the name is taken.
pub async fn add(
    db: &Db,
    name: &str,
    role: Role,
    team: Option<&str>,
) -> anyhow::Result<(Agent, String)> {
    add_for(db, name, role, team, DEFAULT_TOKEN_DAYS).await
}

/// [`add`] with a first token valid for `days`.
pub async fn add_for(
    db: &Db,
    name: &str,
    role: Role,
    team: Option<&str>,
    days: u32,
) -> anyhow::Result<(Agent, String)> {
    create_inner(db, name, role, team, Some(check_days(days)?))
        .await
        .map(|(a, t)| (a, t.unwrap_or_default()))
}

/// Create an agent without a token (one can be issued later).
pub async fn create(db: &Db, name: &str, role: Role, team: Option<&str>) -> anyhow::Result<Agent> {
    create_inner(db, name, role, team, None)
        .await
        .map(|(a, _)| a)
}

async fn create_inner(
    db: &Db,
    name: &str,
    role: Role,
    team: Option<&str>,
    token_days: Option<u32>,
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
    let token = match token_days {
        Some(days) => Some(insert_token(&mut *tx, id, None, days).await?.1),
        None => None,
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

/// Create every agent in `list` with a first token each (valid for
/// [`DEFAULT_TOKEN_DAYS`]), in one transaction: all of them, or none when
/// any name is taken.
pub async fn add_many(db: &Db, list: &[NewAgent]) -> anyhow::Result<Vec<(Agent, String)>> {
    add_many_for(db, list, DEFAULT_TOKEN_DAYS).await
}

/// [`add_many`] with tokens valid for `days`.
pub async fn add_many_for(
    db: &Db,
    list: &[NewAgent],
    days: u32,
) -> anyhow::Result<Vec<(Agent, String)>> {
    let days = check_days(days)?;
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
        let (_, token) = insert_token(&mut *tx, id, None, days).await?;
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

/// A new token for the agent, valid for `days` from now: its id and the
/// token itself.
async fn insert_token(
    s: &mut dyn Store,
    agent_id: AgentId,
    label: Option<&str>,
    days: u32,
) -> Result<(i64, String), Error> {
    let token = new_token();
    let now = Utc::now().timestamp();
    let id = s
        .insert_token(
            &token_hash(&token),
            agent_id,
            label,
            now,
            now + i64::from(days) * 86_400,
        )
        .await?;
    Ok((id, token))
}

/// Issue another token for an existing agent, valid for
/// [`DEFAULT_TOKEN_DAYS`].
pub async fn issue_token(db: &Db, agent_id: AgentId) -> anyhow::Result<String> {
    issue_token_for(db, agent_id, DEFAULT_TOKEN_DAYS).await
}

/// Issue another token for an existing agent, valid for `days`.
pub async fn issue_token_for(db: &Db, agent_id: AgentId, days: u32) -> anyhow::Result<String> {
    let days = check_days(days)?;
    let mut tx = db.begin().await?;
    ensure_agent(&mut *tx, agent_id).await?;
    let (_, token) = insert_token(&mut *tx, agent_id, None, days).await?;
    tx.commit().await?;
    Ok(token)
}

/// Tokens (never their secrets): one agent's, or everyone's.
pub async fn tokens(db: &Db, agent_id: Option<AgentId>) -> anyhow::Result<Vec<TokenRecord>> {
    Ok(db.read().await?.tokens(agent_id).await?)
}

/// Revoke the token with this id: refused from now on, by every server on
/// the database. The token as it was.
pub async fn revoke_token(db: &Db, id: i64) -> anyhow::Result<TokenRecord> {
    let mut tx = db.begin().await?;
    let token = tx.token_by_id(id).await?.with_context(|| {
        format!("no token with id {id}; list them with `rapport-server agent token list`")
    })?;
    tx.delete_token(id).await?;
    tx.commit().await?;
    note_tokens_changed();
    Ok(token)
}

/// Rotate the token with this id: a new token for the same agent and label,
/// valid for `days`, is stored and handed to `show`; only once `show` has
/// succeeded is the old token revoked (if it fails, the new token is
/// removed and the old one stays). The old token's record and the new
/// token's id.
pub async fn rotate_token(
    db: &Db,
    id: i64,
    days: u32,
    show: impl FnOnce(&TokenRecord, &str) -> anyhow::Result<()>,
) -> anyhow::Result<(TokenRecord, i64)> {
    let days = check_days(days)?;
    let mut tx = db.begin().await?;
    let old = tx.token_by_id(id).await?.with_context(|| {
        format!("no token with id {id}; list them with `rapport-server agent token list`")
    })?;
    let (new_id, token) = insert_token(&mut *tx, old.agent_id, old.label.as_deref(), days).await?;
    tx.commit().await?;
    if let Err(e) = show(&old, &token) {
        let mut tx = db.begin().await?;
        tx.delete_token(new_id).await?;
        tx.commit().await?;
        note_tokens_changed();
        return Err(e.context(format!(
            "the new token could not be shown, so it was removed and token {id} still works"
        )));
    }
    let mut tx = db.begin().await?;
    tx.delete_token(id).await?;
    tx.commit().await?;
    note_tokens_changed();
    Ok((old, new_id))
}

/// Disable an agent (every token of theirs refused at once, by every server
/// on the database) or enable them again.
pub async fn set_disabled(db: &Db, agent_id: AgentId, disabled: bool) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let at = disabled.then(|| Utc::now().timestamp());
    anyhow::ensure!(
        tx.set_agent_disabled(agent_id, at).await?,
        "no agent with id {agent_id}"
    );
    tx.commit().await?;
    note_tokens_changed();
    Ok(())
}

/// Whether the agent with this id is disabled.
pub async fn is_disabled(db: &Db, agent_id: AgentId) -> anyhow::Result<bool> {
    Ok(db
        .read()
        .await?
        .agent_by_id(agent_id)
        .await?
        .is_some_and(|a| a.disabled_at.is_some()))
}

/// Every agent with when they were disabled (None while enabled), by name.
pub async fn list_with_status(db: &Db) -> anyhow::Result<Vec<(Agent, Option<i64>)>> {
    let rows = db.read().await?.agents().await?;
    rows.into_iter()
        .map(|r| {
            let disabled = r.disabled_at;
            Ok((agent_from(r)?, disabled))
        })
        .collect()
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
    let (_, token) = insert_token(&mut *tx, agent_id, Some(label), DEFAULT_TOKEN_DAYS).await?;
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

/// What a token is worth at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    /// Valid: the agent, the token's id and when it expires.
    Valid {
        agent: Agent,
        token_id: i64,
        expires_at: i64,
    },
    /// Not a token of this database (mistyped, revoked, another server's).
    Unknown,
    /// A token of this database that expired at this instant.
    Expired { at: i64 },
    /// The token of an agent who is disabled.
    Disabled,
}

/// The agent a bearer token belongs to, if it is a valid token now.
pub async fn authenticate(db: &Db, token: &str) -> Result<Option<Agent>, Error> {
    match check_hash(db, &token_hash(token.trim()), Utc::now().timestamp()).await? {
        TokenCheck::Valid { agent, .. } => Ok(Some(agent)),
        _ => Ok(None),
    }
}

/// What the token whose [`token_hash`] is `hash` is worth at `now`
/// (seconds since the epoch).
pub async fn check_hash(db: &Db, hash: &str, now: i64) -> Result<TokenCheck, Error> {
    let Some(m) = db.read().await?.token_by_hash(hash).await? else {
        return Ok(TokenCheck::Unknown);
    };
    if m.agent.disabled_at.is_some() {
        return Ok(TokenCheck::Disabled);
    }
    if now >= m.expires_at {
        return Ok(TokenCheck::Expired { at: m.expires_at });
    }
    Ok(TokenCheck::Valid {
        agent: agent_from(m.agent)?,
        token_id: m.token_id,
        expires_at: m.expires_at,
    })
}

/// Record tokens' last use: (token id, when); a time earlier than the one
/// stored leaves it.
pub async fn touch_tokens(db: &Db, used: &[(i64, i64)]) -> Result<(), Error> {
    if used.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    tx.touch_tokens(used).await?;
    tx.commit().await?;
    Ok(())
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
        async fn tokens_expire_are_listed_revoked_rotated_and_disabled(t) {
            let db = &t.db;
            let now = Utc::now().timestamp();
            let (mei, first) = add_for(db, "Mei Lin", Role::Agent, None, 30).await.unwrap();
            let bob = create(db, "Bob", Role::Agent, None).await.unwrap();
            let bobs = issue_token_for(db, bob.id, 1).await.unwrap();
            assert!(add_for(db, "Zero", Role::Agent, None, 0).await.is_err());
            assert!(issue_token_for(db, bob.id, MAX_TOKEN_DAYS + 1).await.is_err());

            // Listed by agent name, never with a secret; expiry from the days.
            let list = tokens(db, None).await.unwrap();
            assert_eq!(list.iter().map(|t| t.agent_name.as_str()).collect::<Vec<_>>(), ["Bob", "Mei Lin"]);
            let m = &list[1];
            assert_eq!(m.agent_id, mei.id);
            assert!((m.expires_at - (m.created_at + 30 * 86_400)).abs() <= 1, "{m:?}");
            assert!((m.created_at - now).abs() <= 5);
            assert_eq!(m.last_used_at, None);
            assert_eq!(tokens(db, Some(bob.id)).await.unwrap().len(), 1);

            // Expired: found, but refused with the instant it expired.
            let hash = token_hash(&first);
            match check_hash(db, &hash, m.expires_at - 1).await.unwrap() {
                TokenCheck::Valid { agent, token_id, .. } => {
                    assert_eq!(agent, mei);
                    assert_eq!(token_id, m.id);
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(
                check_hash(db, &hash, m.expires_at).await.unwrap(),
                TokenCheck::Expired { at: m.expires_at }
            );
            assert_eq!(check_hash(db, "0", now).await.unwrap(), TokenCheck::Unknown);

            // Last use moves forward only.
            touch_tokens(db, &[(m.id, now + 10)]).await.unwrap();
            touch_tokens(db, &[(m.id, now + 5)]).await.unwrap();
            let version = token_version(db).await.unwrap();
            assert_eq!(tokens(db, Some(mei.id)).await.unwrap()[0].last_used_at, Some(now + 10));
            assert_eq!(token_version(db).await.unwrap(), version, "a use is not a change");

            // Disabled: every token refused; enabled again: valid again.
            set_disabled(db, mei.id, true).await.unwrap();
            assert!(is_disabled(db, mei.id).await.unwrap());
            assert!(token_version(db).await.unwrap() > version);
            assert_eq!(check_hash(db, &hash, now).await.unwrap(), TokenCheck::Disabled);
            assert_eq!(authenticate(db, &first).await.unwrap(), None);
            assert_eq!(authenticate(db, &bobs).await.unwrap(), Some(bob.clone()));
            set_disabled(db, mei.id, false).await.unwrap();
            assert_eq!(authenticate(db, &first).await.unwrap(), Some(mei.clone()));
            assert!(set_disabled(db, 9999, true).await.is_err());

            // Rotated: the new token works and the old is gone, once shown.
            let mut shown = None;
            let (old, new_id) = rotate_token(db, m.id, 7, |_, t| {
                shown = Some(t.to_string());
                Ok(())
            })
            .await
            .unwrap();
            assert_eq!(old.id, m.id);
            let new = shown.unwrap();
            assert_eq!(authenticate(db, &first).await.unwrap(), None);
            assert_eq!(authenticate(db, &new).await.unwrap(), Some(mei.clone()));
            let listed = tokens(db, Some(mei.id)).await.unwrap();
            assert_eq!(listed.iter().map(|t| t.id).collect::<Vec<_>>(), [new_id]);
            assert!((listed[0].expires_at - listed[0].created_at - 7 * 86_400).abs() <= 1);

            // Not shown: the new token is removed and the old one stays.
            let mut lost = None;
            let e = rotate_token(db, new_id, 7, |_, t| {
                lost = Some(t.to_string());
                anyhow::bail!("stdout is closed")
            })
            .await
            .unwrap_err();
            assert!(format!("{e:#}").contains("still works"), "{e:#}");
            assert_eq!(authenticate(db, &new).await.unwrap(), Some(mei.clone()));
            assert_eq!(authenticate(db, &lost.unwrap()).await.unwrap(), None);

            // Revoked: refused, and a second revoke says there is none.
            let r = revoke_token(db, new_id).await.unwrap();
            assert_eq!(r.agent_name, "Mei Lin");
            assert_eq!(authenticate(db, &new).await.unwrap(), None);
            let e = revoke_token(db, new_id).await.unwrap_err();
            assert!(e.to_string().contains("no token with id"), "{e}");
            assert!(rotate_token(db, new_id, 7, |_, _| Ok(())).await.is_err());
        }
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
