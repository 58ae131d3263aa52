//! An agent's answer to a suggestion (accepted, declined, not now), kept
//! for good so every rule's conversion can be judged; the suggestion is not
//! offered again for a while (see [`super::Settings::not_now_days`]).

use rapport_api::{EventBody, NewSuggestionResponse, SuggestionResponse};
use sqlx::SqliteConnection;

use super::split_suggestion_id;
use crate::error::{Error, Result};
use crate::recording::{Trail, Writer, Written, text, written};

pub const NOTE_MAX: usize = 2000;

pub async fn record(
    conn: &mut SqliteConnection,
    w: &Writer<'_>,
    suggestion_id: i64,
    new: &NewSuggestionResponse,
) -> Result<Written<SuggestionResponse>> {
    let (rule_id, customer_id) = split_suggestion_id(suggestion_id);
    let rule: Option<i64> = sqlx::query_scalar("SELECT id FROM association_rules WHERE id = ?")
        .bind(rule_id)
        .fetch_optional(&mut *conn)
        .await?;
    let customer: Option<i64> = sqlx::query_scalar("SELECT id FROM customers WHERE id = ?")
        .bind(customer_id)
        .fetch_optional(&mut *conn)
        .await?;
    if rule.is_none() || customer.is_none() || suggestion_id <= 0 {
        return Err(Error::NotFound {
            what: "suggestion",
            id: suggestion_id,
        });
    }
    let note = text("/note", &new.note, NOTE_MAX, false)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO suggestion_responses (suggestion_id, customer_id, rule_id, response, note, \
         agent_id, responded_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(suggestion_id)
    .bind(customer_id)
    .bind(rule_id)
    .bind(new.response.code())
    .bind(&note)
    .bind(w.agent.id)
    .bind(w.at.timestamp())
    .fetch_one(&mut *conn)
    .await?;
    // The answer hides the suggestion at once, before the figures are
    // recomputed.
    sqlx::query("DELETE FROM suggestions WHERE id = ?")
        .bind(suggestion_id)
        .execute(&mut *conn)
        .await?;
    let response = SuggestionResponse {
        id,
        suggestion_id,
        customer_id,
        rule_id,
        response: new.response,
        note,
        agent: w.agent_ref(),
        responded_at: crate::store::from_epoch(w.at.timestamp()),
    };
    let trail = Trail {
        action: "suggestion.respond",
        entity: "suggestion_response",
        entity_id: id,
        customer_id,
        before: None::<&()>,
        event: EventBody::SuggestionResponded(response.clone()),
    };
    written(conn, w, response, trail).await
}
