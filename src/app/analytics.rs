//! Customer analytics as `update` sees them: figures recomputed on the
//! server arriving as events, suggestions answered elsewhere, orders placed.
//! Called from [`super::update`] and [`super::live`]; pure like them.

use rapport_api::{CustomerId, EventBody};

use super::Effect;
use super::state::*;

/// An analytics event for `customer`.
pub fn event(s: &mut AppState, customer: Option<CustomerId>, body: EventBody) -> Vec<Effect> {
    let here = s.customer.as_ref().map(|c| c.id);
    if customer.is_none() || customer != here {
        return vec![];
    }
    match body {
        EventBody::AnalyticsUpdated(a) => {
            if let Some(Load::Loaded(v)) = s.customer.as_mut().map(|c| &mut c.view) {
                v.analytics = Some(*a);
            }
            vec![]
        }
        EventBody::SuggestionResponded(r) => {
            if let Some(a) = s
                .customer
                .as_mut()
                .and_then(|c| c.view.loaded_mut())
                .and_then(|v| v.analytics.as_mut())
            {
                a.suggestions.retain(|x| x.id != r.suggestion_id);
            }
            vec![]
        }
        // Spend, recency and the order list move: reread the view.
        EventBody::OrderCreated(_) => super::update::reload_view(s),
        _ => vec![],
    }
}
