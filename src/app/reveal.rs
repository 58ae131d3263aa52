//! Showing masked contact details in full. The customer screen masks phone
//! numbers, emails and the street address; `v` asks why the agent needs
//! them (a short list of reasons), the server records the reveal in its
//! audit trail and answers with the details, which then show in full for as
//! long as this customer stays open. Nothing is shown before the server has
//! recorded it, so a reveal cannot happen offline.

use rapport_api::RevealedContact;
use rapport_api::privacy::REVEAL_REASONS;

use super::state::{AppState, RequestId, Screen};
use super::{Effect, writes};
use crate::api::ApiError;
use crate::keymap::Command;

/// The overlay of the customer screen while revealing.
#[derive(Debug, Clone, PartialEq)]
pub enum RevealOverlay {
    /// Choosing the reason; `pending` while the server is asked.
    Asking {
        selected: usize,
        pending: Option<RequestId>,
        error: Option<String>,
    },
    /// Every contact detail in full, with the audit entry that recorded it.
    Details,
}

/// `v` on the customer screen.
pub fn open(s: &mut AppState) -> Vec<Effect> {
    if s.screen != Screen::Customer {
        return vec![];
    }
    let Some(c) = s.customer.as_mut().filter(|c| c.view.is_loaded()) else {
        return vec![];
    };
    c.reveal = Some(if c.revealed.is_some() {
        RevealOverlay::Details
    } else {
        RevealOverlay::Asking {
            selected: 0,
            pending: None,
            error: None,
        }
    });
    vec![]
}

/// A command while the overlay is open.
pub fn command(s: &mut AppState, cmd: Command) -> Vec<Effect> {
    let Some((customer, overlay)) = s
        .customer
        .as_ref()
        .and_then(|c| Some((c.id, c.reveal.clone()?)))
    else {
        return vec![];
    };
    let set = |s: &mut AppState, o: Option<RevealOverlay>| {
        if let Some(c) = s.customer.as_mut() {
            c.reveal = o;
        }
    };
    match (cmd, overlay) {
        (Command::Back | Command::RevealContact, _) | (Command::Open, RevealOverlay::Details) => {
            set(s, None);
            vec![]
        }
        (
            Command::Next | Command::Previous,
            RevealOverlay::Asking {
                selected,
                pending,
                error,
            },
        ) => {
            let selected = if cmd == Command::Next {
                (selected + 1).min(REVEAL_REASONS.len() - 1)
            } else {
                selected.saturating_sub(1)
            };
            set(
                s,
                Some(RevealOverlay::Asking {
                    selected,
                    pending,
                    error,
                }),
            );
            vec![]
        }
        (
            Command::Open,
            RevealOverlay::Asking {
                selected,
                pending: None,
                ..
            },
        ) => {
            let id = s.fresh_id();
            set(
                s,
                Some(RevealOverlay::Asking {
                    selected,
                    pending: Some(id),
                    error: None,
                }),
            );
            vec![Effect::Reveal {
                id,
                customer,
                reason: REVEAL_REASONS[selected].to_string(),
            }]
        }
        _ => vec![],
    }
}

/// The server's answer.
pub fn done(
    s: &mut AppState,
    id: RequestId,
    result: Result<Box<RevealedContact>, ApiError>,
) -> Result<(), ApiError> {
    let Some(c) = s.customer.as_mut() else {
        return Ok(());
    };
    let Some(RevealOverlay::Asking { pending, error, .. }) = c.reveal.as_mut() else {
        return Ok(());
    };
    if *pending != Some(id) {
        return Ok(());
    }
    *pending = None;
    match result {
        Ok(r) if r.customer_id == c.id => {
            c.revealed = Some(*r);
            c.reveal = Some(RevealOverlay::Details);
            writes::notice(
                s,
                "Shown in full; the reveal is recorded in the audit trail.",
            );
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(e) => {
            *error = Some(e.to_string());
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Action, update};
    use crate::fixtures;
    use crate::keymap::Context;

    fn revealed(customer: i64) -> RevealedContact {
        let v = fixtures::unmasked_customer_view();
        RevealedContact {
            customer_id: customer,
            phones: v.profile.phones.clone(),
            emails: v.profile.emails.clone(),
            address: v.profile.address.clone(),
            birthday: v.profile.birthday,
            reason: REVEAL_REASONS[1].into(),
            revealed_at: fixtures::now(),
            revealed_by: rapport_api::AgentRef {
                id: 1,
                name: "Mei Lin".into(),
            },
            audit_id: 77,
        }
    }

    #[test]
    fn asks_why_then_shows_only_what_the_server_recorded() {
        let mut s = fixtures::state_with_customer(fixtures::customer_view());
        let id = s.customer.as_ref().unwrap().id;
        update(&mut s, Action::Command(Command::RevealContact));
        assert_eq!(s.context(), Context::Reveal);
        update(&mut s, Action::Command(Command::Next));
        let fx = update(&mut s, Action::Command(Command::Open));
        let [
            Effect::Reveal {
                id: req,
                customer,
                reason,
            },
        ] = fx.as_slice()
        else {
            panic!("{fx:?}")
        };
        assert_eq!((*customer, reason.as_str()), (id, REVEAL_REASONS[1]));
        // A second Enter while asking sends nothing more.
        assert!(update(&mut s, Action::Command(Command::Open)).is_empty());
        assert!(s.customer.as_ref().unwrap().revealed.is_none());
        // A stale answer is dropped.
        update(
            &mut s,
            Action::RevealDone(req + 100, Ok(Box::new(revealed(id)))),
        );
        assert!(s.customer.as_ref().unwrap().revealed.is_none());
        update(&mut s, Action::RevealDone(*req, Ok(Box::new(revealed(id)))));
        let c = s.customer.as_ref().unwrap();
        assert_eq!(c.revealed.as_ref().unwrap().audit_id, 77);
        assert_eq!(c.reveal, Some(RevealOverlay::Details));
        update(&mut s, Action::Command(Command::Back));
        assert_eq!(s.context(), Context::Customer);
        // Asked again, it shows the details without asking the server.
        update(&mut s, Action::Command(Command::RevealContact));
        assert_eq!(
            s.customer.as_ref().unwrap().reveal,
            Some(RevealOverlay::Details)
        );
    }

    #[test]
    fn a_refusal_is_said_and_nothing_is_shown() {
        let mut s = fixtures::state_with_customer(fixtures::customer_view());
        update(&mut s, Action::Command(Command::RevealContact));
        let fx = update(&mut s, Action::Command(Command::Open));
        let [Effect::Reveal { id, .. }] = fx.as_slice() else {
            panic!("{fx:?}")
        };
        let down = ApiError::Unreachable {
            url: "http://x".into(),
            reason: "connection refused".into(),
        };
        update(&mut s, Action::RevealDone(*id, Err(down)));
        let c = s.customer.as_ref().unwrap();
        assert!(c.revealed.is_none());
        let Some(RevealOverlay::Asking {
            error: Some(e),
            pending: None,
            ..
        }) = &c.reveal
        else {
            panic!("{:?}", c.reveal)
        };
        assert!(e.contains("connection refused"), "{e}");
        // It can be tried again.
        assert_eq!(update(&mut s, Action::Command(Command::Open)).len(), 1);
    }
}
