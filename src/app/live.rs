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
            super::supervisor::lists_changed(s, false, true)
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
            // The approvals waiting and the complaints at risk move with it.
            let mut fx = super::supervisor::lists_changed(s, true, true);
            if here {
                // Goodwill and authority move with money: reread them.
                fx.extend(super::update::reload_view(s));
            }
            fx
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
        EventBody::OrderCreated(_)
        | EventBody::SuggestionResponded(_)
        | EventBody::AnalyticsUpdated(_) => super::analytics::event(s, e.customer_id, e.body),
        EventBody::AgentState(st) => super::calls::agent_event(s, st),
        EventBody::Desk(d) => super::calls::desk_event(s, *d),
        EventBody::Resync => {
            // Our own state may have changed meanwhile: read it again.
            let mut fx = if s.calls.status.is_some() {
                super::calls::signed_in(s)
            } else {
                vec![]
            };
            if s.screen == Screen::Customer {
                fx.extend(super::update::reload_view(s));
            }
            fx.extend(super::supervisor::lists_changed(s, true, true));
            fx
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Action, update};
    use crate::fixtures;
    use rapport_api::{AgentRef, Presence, RecoveryAction};

    fn ev(id: Option<i64>, by: Option<AgentRef>, body: EventBody) -> Action {
        Action::ServerEvent(Box::new(Event {
            id,
            at: fixtures::now(),
            by,
            customer_id: Some(12345),
            body,
        }))
    }

    fn tom() -> AgentRef {
        AgentRef {
            id: 7,
            name: "Tom Baker".into(),
        }
    }

    #[test]
    fn each_event_is_applied_once_in_order() {
        let mut s = fixtures::state_with_customer(fixtures::customer_view());
        let mut i = fixtures::customer_view().interactions[0].clone();
        i.id = 5000;
        i.notes = "Tom took a call".into();
        update(
            &mut s,
            ev(
                Some(10),
                Some(tom()),
                EventBody::InteractionCreated(i.clone()),
            ),
        );
        let n = s.customer.as_ref().unwrap().history.items.len();
        assert_eq!(s.customer.as_ref().unwrap().history.items[0].id, 5000);
        // A replay of 10 (a reconnect that overlapped) is ignored, as is 9.
        let mut other = i.clone();
        other.id = 5001;
        update(
            &mut s,
            ev(Some(10), None, EventBody::InteractionCreated(other.clone())),
        );
        update(
            &mut s,
            ev(Some(9), None, EventBody::InteractionCreated(other)),
        );
        assert_eq!(s.customer.as_ref().unwrap().history.items.len(), n);
        assert_eq!(s.live.last_id, Some(10));
    }

    #[test]
    fn complaints_follow_their_versions_and_leave_when_resolved() {
        let mut s = fixtures::state_with_customer(fixtures::customer_view());
        let mut c = fixtures::customer_view().open_complaints[0].clone();
        c.version = 1; // older than what is shown
        c.summary = "old".into();
        update(
            &mut s,
            ev(Some(1), None, EventBody::ComplaintUpdated(c.clone())),
        );
        assert_ne!(s.view().unwrap().open_complaints[0].summary, "old");
        c.version = 9;
        c.status = rapport_api::ComplaintStatus::Resolved;
        update(&mut s, ev(Some(2), None, EventBody::ComplaintUpdated(c)));
        assert!(
            s.view()
                .unwrap()
                .open_complaints
                .iter()
                .all(|x| x.id != 481)
        );
    }

    #[test]
    fn presence_lists_others_only() {
        let mut s = fixtures::state_with_customer(fixtures::customer_view());
        let me = AgentRef {
            id: fixtures::me().agent.id,
            name: "Mei Lin".into(),
        };
        update(
            &mut s,
            ev(
                None,
                None,
                EventBody::Presence(Presence {
                    customer_id: 12345,
                    viewers: vec![me, tom()],
                }),
            ),
        );
        assert_eq!(s.view().unwrap().viewers, vec![tom()]);
        assert_eq!(s.live.last_id, None, "ephemeral events carry no id");
    }

    #[test]
    fn the_requester_hears_of_a_decision() {
        let mut s = fixtures::state_with_customer(fixtures::customer_view());
        let mut a: RecoveryAction =
            fixtures::customer_view().open_complaints[1].recovery_actions[0].clone();
        a.status = RecoveryStatus::Done;
        a.decided_by = Some(AgentRef {
            id: 9,
            name: "Ana Ruiz".into(),
        });
        a.version = 2;
        let fx = update(
            &mut s,
            ev(
                Some(3),
                a.decided_by.clone(),
                EventBody::RecoveryActionChanged(a),
            ),
        );
        assert_eq!(
            s.notice.as_ref().unwrap().0,
            "Refund £180.00 on complaint #477 approved by Ana Ruiz."
        );
        assert!(
            matches!(fx[..], [Effect::LoadView { .. }]),
            "authority rereads"
        );
        let shown = &s.view().unwrap().open_complaints[1].recovery_actions[0];
        assert_eq!(shown.status, RecoveryStatus::Done);
    }

    #[test]
    fn resync_reloads_what_is_shown() {
        let mut s = fixtures::state_with_customer(fixtures::customer_view());
        let fx = update(&mut s, ev(None, None, EventBody::Resync));
        assert!(matches!(fx[..], [Effect::LoadView { .. }]));
    }

    #[test]
    fn the_stream_going_down_and_up_shows() {
        let mut s = fixtures::state_signed_in();
        update(
            &mut s,
            Action::EventsDown {
                reason: "event stream broke".into(),
                retry_in_ms: 2000,
            },
        );
        assert_eq!(
            crate::ui::status_bar::link(&s),
            ("◌", "live updates paused")
        );
        update(&mut s, Action::EventsUp);
        assert_eq!(crate::ui::status_bar::link(&s), ("●", "live"));
    }
}
