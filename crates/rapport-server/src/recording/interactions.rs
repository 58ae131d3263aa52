//! Recording a contact: channel, direction, reason and outcome from the
//! taxonomy, notes, sentiment, an optional follow-up date and complaint, and
//! when it happened (the server's clock when the client does not say).
//!
//! An interaction may wrap up a call (`call_id`): it then runs from the
//! call's answer to its end unless the client says otherwise, and its
//! arrival (also late, from a client's outbox after the server was away)
//! completes the call's wrap-up and makes the agent available again when
//! they are still in after-call work for that call.

use chrono::Duration;
use rapport_api::{AgentState, EventBody, Interaction, NewInteraction};
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

/// Record `new`; what a wrap-up did to the agent's state and the queues
/// goes into `out`, to announce once committed.
pub async fn create(
    conn: &mut SqliteConnection,
    w: &Writer<'_>,
    new: &NewInteraction,
    out: &mut crate::queues::Outcome,
) -> Result<Written<Interaction>> {
    super::customer_currency(&mut *conn, new.customer_id).await?;
    let call = match new.call_id {
        Some(id) => Some(wrapped_call(&mut *conn, w, id).await?),
        None => None,
    };
    let mut s = Conn::borrow_sqlite(&mut *conn);
    let reason = taxonomy::reason_label(&mut *s, &new.reason).await?;
    let outcome = taxonomy::outcome_label(&mut *s, &new.outcome).await?;
    drop(s);
    let notes = text("/notes", &new.notes, NOTES_MAX, false)?;
    let instant = crate::queues::instant;
    let started = new
        .started_at
        .or_else(|| call.as_ref().and_then(|c| c.answered_ms.map(instant)))
        .unwrap_or(w.at);
    let ended = new
        .ended_at
        .or_else(|| call.as_ref().and_then(|c| c.ended_ms.map(instant)));
    if started > w.at + FUTURE_SLACK {
        return Err(Error::invalid(
            "/started_at",
            "The contact cannot start in the future; leave started_at out to use now.",
        ));
    }
    if let Some(end) = ended {
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
         agent_id, started_at, ended_at, sentiment, follow_up_on, complaint_id, recorded_at, \
         call_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.customer_id)
    .bind(new.channel.code())
    .bind(new.direction.code())
    .bind(&reason)
    .bind(&notes)
    .bind(&outcome)
    .bind(w.agent.id)
    .bind(started.timestamp())
    .bind(ended.map(|t| t.timestamp()))
    .bind(new.sentiment.map(|s| s.code()))
    .bind(new.follow_up_on.map(crate::store::date_text))
    .bind(new.complaint_id)
    .bind(w.at.timestamp())
    .bind(new.call_id)
    .fetch_one(&mut *conn)
    .await?;
    if let Some(c) = &call {
        end_after_call_work(&mut *conn, w, c, out).await?;
    }
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
        ended_at: ended.map(|t| crate::store::from_epoch(t.timestamp())),
        sentiment: new.sentiment,
        follow_up_on: new.follow_up_on,
        complaint_id: new.complaint_id,
        call_id: new.call_id,
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

/// The call a wrap-up names: it must exist, be the writer's own, and have
/// been answered.
async fn wrapped_call(
    conn: &mut SqliteConnection,
    w: &Writer<'_>,
    id: rapport_api::CallId,
) -> Result<crate::queues::calls::CallRow> {
    let call = match crate::queues::calls::load(&mut *conn, id).await {
        Ok(c) => c,
        Err(Error::NotFound { .. }) => {
            return Err(Error::invalid(
                "/call_id",
                format!("There is no call {id}: call_id is the id of the call wrapped up."),
            ));
        }
        Err(e) => return Err(e),
    };
    if call.agent_id != Some(w.agent.id) {
        return Err(Error::invalid(
            "/call_id",
            format!("Call {id} was not answered by you: a wrap-up is for your own call."),
        ));
    }
    if call.answered_ms.is_none() {
        return Err(Error::invalid(
            "/call_id",
            format!("Call {id} was never answered: there is nothing to wrap up."),
        ));
    }
    Ok(call)
}

/// The wrap-up of `call` arrived: when the agent is still in after-call
/// work for it, the wrap-up is complete and they are available again (a
/// waiting call may come at once). A wrap-up of a call the agent has left
/// already (they chose their state meanwhile, or took another call)
/// changes no state.
async fn end_after_call_work(
    conn: &mut SqliteConnection,
    w: &Writer<'_>,
    call: &crate::queues::calls::CallRow,
    out: &mut crate::queues::Outcome,
) -> Result<()> {
    use crate::queues::routing;
    let (state, _, on) = routing::current(&mut *conn, w.agent.id).await?;
    if state != AgentState::AfterCallWork || on != Some(call.id) {
        return Ok(());
    }
    let at = crate::queues::millis(w.at);
    let more = routing::set_state(&mut *conn, at, w.agent.id, AgentState::Available).await?;
    out.extend(more);
    Ok(())
}
