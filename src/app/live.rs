//! What other people do, as it happens: events from the server's stream
//! applied to what is on screen. Each durable event is applied once (ids
//! only grow; a repeat is dropped), a `resync` reloads what is shown, and
//! presence says who else has this customer open. Called from
//! [`super::update`]; pure like it.

use chrono::Duration;
use rapport_api::{Event, EventBody, RecoveryStatus};

use super::Effect;
use super::state::*;
use super::writes::{add_interaction, notice, set_preferences, upsert_action, upsert_complaint};

pub fn up(s: &mut AppState) -> Vec<Effect> {
    s.live.up = true;
    s.live.down = None;
    vec![]
}

pub fn down(s: &mut AppState, reason: String, retry_in_ms: u64) -> Vec<Effect> {
    s.live.up = false;
    s.live.down = Some((reason, s.now + Duration::milliseconds(retry_in_ms as i64)));
    vec![]
}

pub fn event(s: &mut AppState, e: Event) -> Vec<Effect> {
    if let Some(id) = e.id {
        if s.live.last_id.is_some_and(|last| id <= last) {
            return vec![]; // already applied
        }
        s.live.last_id = Some(id);
    }
    let me = s.me.loaded().map(|m| m.agent.id);
    let mine = e.by.as_ref().map(|a| a.id) == me && me.is_some();
    match e.body {
        EventBody::InteractionCreated(i) => {
            add_interaction(s, i);
            vec![]
        }
        EventBody::ComplaintCreated(c) | EventBody::ComplaintUpdated(c) => {
            upsert_complaint(s, c);
            vec![]
        }
        EventBody::RecoveryActionChanged(a) => {
            // Tell the requester when a supervisor decides.
            if me == Some(a.requested_by.id) && !mine && a.status != RecoveryStatus::PendingApproval
            {
                let who = a
                    .decided_by
                    .as_ref()
                    .map(|d| crate::sanitize::clean(&d.name).into_owned())
                    .unwrap_or_else(|| "a supervisor".into());
                let what = match (a.amount_minor, a.currency.as_deref()) {
                    (Some(m), Some(c)) => {
                        format!("{} {}", a.kind.label(), rapport_api::money::format(m, c))
                    }
                    _ => a.kind.label().to_string(),
                };
                let verdict = match a.status {
                    RecoveryStatus::Done => "approved".to_string(),
                    _ => format!(
                        "rejected: {}",
                        crate::sanitize::clean(a.decision_note.as_deref().unwrap_or(""))
                    ),
                };
                notice(
                    s,
                    format!(
                        "{what} on complaint #{} {verdict} by {who}.",
                        a.complaint_id
                    ),
                );
            }
            let here = s.customer.as_ref().is_some_and(|c| c.id == a.customer_id);
            upsert_action(s, a);
            if here {
                // Goodwill and authority move with money: reread them.
                return super::update::reload_view(s);
            }
            vec![]
        }
        EventBody::PreferencesUpdated(p) => {
            if s.customer.as_ref().map(|c| c.id) == e.customer_id {
                set_preferences(s, p);
            }
            vec![]
        }
        EventBody::Presence(p) => {
            if let Some(Load::Loaded(v)) = s
                .customer
                .as_mut()
                .filter(|c| c.id == p.customer_id)
                .map(|c| &mut c.view)
            {
                v.viewers = p.viewers.into_iter().filter(|a| Some(a.id) != me).collect();
            }
            vec![]
        }
        EventBody::Resync => {
            if s.screen == Screen::Customer {
                super::update::reload_view(s)
            } else {
                vec![]
            }
        }
    }
}
