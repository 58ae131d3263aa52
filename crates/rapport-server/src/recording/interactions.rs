//! Recording a contact: channel, direction, reason and outcome from the
//! taxonomy, notes, sentiment, an optional follow-up date and complaint, and
//! when it happened (the server's clock when the client does not say).

use chrono::Duration;
use rapport_api::{EventBody, Interaction, NewInteraction};
use sqlx::SqliteConnection;

use super::{Writer, Written, taxonomy, text};
use crate::codes::Code;
use crate::error::{Error, Result};
use crate::store::Conn;

pub const NOTES_MAX: usize = 10_000;
/// Clocks disagree a little; beyond this a time in the future is a mistake.
const FUTURE_SLACK: Duration = Duration::minutes(5);
/// Longest contact accepted (a full working day).
const LONGEST: Duration = Duration::hours(12);

pub async fn create(
    conn: &mut SqliteConnection,
    w: &Writer<'_>,
    new: &NewInteraction,
) -> Result<Written<Interaction>> {
    super::customer_currency(&mut *conn, new.customer_id).await?;
    let mut s = Conn::borrow_sqlite(&mut *conn);
    let reason = taxonomy::reason_label(&mut *s, &new.reason).await?;
    let outcome = taxonomy::outcome_label(&mut *s, &new.outcome).await?;
    drop(s);
    let notes = text("/notes", &new.notes, NOTES_MAX, false)?;
    let started = new.started_at.unwrap_or(w.at);
    if started > w.at + FUTURE_SLACK {
        return Err(Error::invalid(
            "/started_at",
            "The contact cannot start in the future; leave started_at out to use now.",
        ));
    }
    if let Some(end) = new.ended_at {
        if end < started {
            return Err(Error::invalid(
                "/ended_at",
                "The contact cannot end before it started.",
            ));
        }
        if end - started > LONGEST {
            return Err(Error::invalid(
                "/ended_at",
                "A contact longer than 12 hours is not plausible; check the times.",
            ));
        }
    }
    if let Some(day) = new.follow_up_on
        && day < started.date_naive()
    {
        return Err(Error::invalid(
            "/follow_up_on",
            "A follow-up date cannot be before the contact.",
        ));
    }
    if let Some(complaint) = new.complaint_id {
        let owner: Option<i64> =
            sqlx::query_scalar("SELECT customer_id FROM complaints WHERE id = ?")
                .bind(complaint)
                .fetch_optional(&mut *conn)
                .await?;
        if owner != Some(new.customer_id) {
            return Err(Error::invalid(
                "/complaint_id",
                format!("Complaint #{complaint} is not one of this customer's."),
            ));
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO interactions (customer_id, channel, direction, reason, notes, outcome, \
         agent_id, started_at, ended_at, sentiment, follow_up_on, complaint_id, recorded_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.customer_id)
    .bind(new.channel.code())
    .bind(new.direction.code())
    .bind(&reason)
    .bind(&notes)
    .bind(&outcome)
    .bind(w.agent.id)
    .bind(started.timestamp())
    .bind(new.ended_at.map(|t| t.timestamp()))
    .bind(new.sentiment.map(|s| s.code()))
    .bind(new.follow_up_on.map(crate::store::date_text))
    .bind(new.complaint_id)
    .bind(w.at.timestamp())
    .fetch_one(&mut *conn)
    .await?;
    let interaction = Interaction {
        id,
        customer_id: new.customer_id,
        channel: new.channel,
        direction: new.direction,
        reason,
        notes,
        outcome,
        agent: Some(w.agent_ref()),
        // Stored to the second, so shown to the second.
        started_at: crate::store::from_epoch(started.timestamp()),
        ended_at: new
            .ended_at
            .map(|t| crate::store::from_epoch(t.timestamp())),
        sentiment: new.sentiment,
        follow_up_on: new.follow_up_on,
        complaint_id: new.complaint_id,
    };
    let event = EventBody::InteractionCreated(interaction.clone());
    let trail = super::Trail {
        action: "interaction.create",
        entity: "interaction",
        entity_id: id,
        customer_id: new.customer_id,
        before: None::<&()>,
        event,
    };
    super::written(conn, w, interaction, trail).await
}
