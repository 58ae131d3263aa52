//! Customer analytics as `update` sees them: explaining a figure, answering
//! a suggestion (through the outbox, like every write), the insights
//! screen, and figures recomputed on the server arriving as events. Called
//! from [`super::update`] and [`super::live`]; pure like them.

use rapport_api::{CustomerId, EventBody, Figure, Insights, Suggestion, SuggestionAnswer};
use serde_json::json;

use super::Effect;
use super::state::*;
use super::write::{WriteKind, WriteMethod, WriteRequest};
use super::writes::notice;
use crate::api::ApiError;
use crate::keymap::Command;

/// Rows a page key scrolls the insights.
const PAGE: u16 = 10;

/// The suggestions shown for the open customer: the server's, less those
/// answered here and acknowledged.
pub fn suggestions(c: &CustomerState) -> Vec<&Suggestion> {
    c.view
        .loaded()
        .and_then(|v| v.analytics.as_ref())
        .map(|a| {
            a.suggestions
                .iter()
                .filter(|x| {
                    !c.answered
                        .iter()
                        .any(|(id, _, acked)| *id == x.id && *acked)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The answer given here to a suggestion, if any.
pub fn answer_of(c: &CustomerState, id: i64) -> Option<SuggestionAnswer> {
    c.answered.iter().find(|a| a.0 == id).map(|a| a.1)
}

// ------------------------------------------------------------ explain

/// `x`: explain the figures of the open customer, starting with CLV.
pub fn open_explain(s: &mut AppState) -> Vec<Effect> {
    if s.screen != Screen::Customer {
        return vec![];
    }
    if s.view().is_none() {
        notice(s, "Wait for the customer to load first.");
        return vec![];
    }
    s.explain = Some(ExplainState {
        figure: Figure::Clv,
        scroll: 0,
    });
    vec![]
}

/// Keys while a figure is explained: Tab and Shift-Tab move between
/// figures, the arrows scroll, Esc (or `x`) closes.
pub fn explain_command(s: &mut AppState, cmd: Command) -> Vec<Effect> {
    let Some(e) = s.explain.as_mut() else {
        return vec![];
    };
    let i = Figure::ALL.iter().position(|f| *f == e.figure).unwrap_or(0);
    let n = Figure::ALL.len();
    match cmd {
        Command::NextTab => {
            e.figure = Figure::ALL[(i + 1) % n];
            e.scroll = 0;
        }
        Command::PreviousTab => {
            e.figure = Figure::ALL[(i + n - 1) % n];
            e.scroll = 0;
        }
        Command::Next => e.scroll = e.scroll.saturating_add(1),
        Command::Previous => e.scroll = e.scroll.saturating_sub(1),
        Command::Back | Command::Explain => s.explain = None,
        _ => {}
    }
    vec![]
}

// ------------------------------------------------------------ answering

/// `a`, `d`, `n`: the customer's answer to the selected suggestion, stored
/// in the outbox and sent like every other change.
pub fn answer(s: &mut AppState, cmd: Command) -> Vec<Effect> {
    let answer = match cmd {
        Command::AcceptSuggestion => SuggestionAnswer::Accepted,
        Command::DeclineSuggestion => SuggestionAnswer::Declined,
        _ => SuggestionAnswer::NotNow,
    };
    let wide = s.wide();
    let Some(c) = s.customer.as_ref().filter(|_| s.screen == Screen::Customer) else {
        return vec![];
    };
    // Only a suggestion on screen can be answered, so no key answers one
    // the agent cannot see.
    if !wide && c.tab != Tab::Offers {
        notice(s, "Open the Offers tab to answer a suggestion.");
        return vec![];
    }
    let list = suggestions(c);
    let Some(chosen) = list.get(c.suggestion_selected.min(list.len().saturating_sub(1))) else {
        notice(s, "There is no suggestion to answer for this customer.");
        return vec![];
    };
    if answer_of(c, chosen.id).is_some() {
        notice(s, "That suggestion is answered already.");
        return vec![];
    }
    let id = chosen.id;
    let name = c
        .view
        .loaded()
        .map(|v| crate::sanitize::clean(&v.profile.display_name).into_owned())
        .unwrap_or_default();
    let summary = format!(
        "{} {} for {name}",
        capitalised(answer.label()),
        crate::sanitize::clean(&chosen.offer)
    );
    let request = WriteRequest {
        method: WriteMethod::Post,
        path: format!("{}/suggestions/{id}/response", rapport_api::API_PREFIX),
        if_match: None,
        body: json!({ "response": answer }),
        summary,
        customer_id: Some(c.id),
        kind: WriteKind::SuggestionResponse {
            suggestion_id: id,
            answer,
        },
        draft: None,
    };
    if let Some(c) = s.customer.as_mut() {
        c.answered.push((id, answer, false));
    }
    let tag = s.fresh_id();
    vec![Effect::Enqueue {
        tag,
        request: Box::new(request),
    }]
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The server has an answer: the suggestion leaves the list.
pub fn response_acked(s: &mut AppState, suggestion_id: i64) {
    let Some(c) = s.customer.as_mut() else { return };
    for a in c.answered.iter_mut().filter(|a| a.0 == suggestion_id) {
        a.2 = true;
    }
    let n = suggestions(c).len();
    c.suggestion_selected = c.suggestion_selected.min(n.saturating_sub(1));
}

// ------------------------------------------------------------ insights

/// F6: the insights screen, or back to where it was opened from.
pub fn toggle_insights(s: &mut AppState) -> Vec<Effect> {
    if s.screen == Screen::Insights {
        s.screen = s.insights.back_to;
        return match (s.screen, s.customer.as_ref()) {
            (Screen::Customer, Some(c)) => vec![Effect::Presence(Some(c.id))],
            _ => vec![],
        };
    }
    let from = s.screen;
    s.insights.back_to = from;
    s.screen = Screen::Insights;
    s.insights.scroll = 0;
    let mut fx = load_insights(s);
    if from == Screen::Customer {
        fx.push(Effect::Presence(None));
    }
    fx
}

pub fn load_insights(s: &mut AppState) -> Vec<Effect> {
    let id = s.fresh_id();
    s.insights.request = id;
    if !s.insights.data.is_loaded() {
        s.insights.data = Load::Loading;
    }
    vec![Effect::LoadInsights { id }]
}

/// Keys of the insights screen; None for those handled as anywhere else.
pub fn insights_command(s: &mut AppState, cmd: Command) -> Option<Vec<Effect>> {
    let i = &mut s.insights;
    match cmd {
        Command::Next => i.scroll = i.scroll.saturating_add(1),
        Command::Previous => i.scroll = i.scroll.saturating_sub(1),
        Command::PageDown => i.scroll = i.scroll.saturating_add(PAGE),
        Command::PageUp => i.scroll = i.scroll.saturating_sub(PAGE),
        Command::First => i.scroll = 0,
        _ => return None,
    }
    Some(vec![])
}

/// The insights arrived (a stale reply is dropped). A failure keeps what
/// is shown and is returned for the status bar.
pub fn insights_done(
    s: &mut AppState,
    id: RequestId,
    result: Result<Box<Insights>, ApiError>,
) -> Result<Vec<Effect>, ApiError> {
    if id != s.insights.request {
        return Ok(vec![]);
    }
    match result {
        Ok(i) => {
            s.insights.data = Load::Loaded(*i);
            Ok(vec![])
        }
        Err(e) => {
            if !s.insights.data.is_loaded() {
                s.insights.data = Load::Failed(e.clone());
            }
            Err(e)
        }
    }
}

// ------------------------------------------------------------ events

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
            if let Some(c) = s.customer.as_mut() {
                let n = suggestions(c).len();
                c.suggestion_selected = c.suggestion_selected.min(n.saturating_sub(1));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Action, update};
    use crate::fixtures;

    fn cmd(s: &mut AppState, c: Command) -> Vec<Effect> {
        update(s, Action::Command(c))
    }

    fn jane() -> AppState {
        fixtures::state_with_customer(fixtures::customer_view())
    }

    #[test]
    fn an_answer_goes_through_the_outbox_with_its_own_key() {
        let mut s = jane();
        // Narrow, Overview tab: the offers are not on screen; nothing is sent.
        assert!(cmd(&mut s, Command::AcceptSuggestion).is_empty());
        assert!(s.notice.as_ref().unwrap().0.contains("Offers tab"));
        cmd(&mut s, Command::TabOffers);
        cmd(&mut s, Command::Next);
        let fx = cmd(&mut s, Command::DeclineSuggestion);
        let [Effect::Enqueue { request, .. }] = &fx[..] else {
            panic!("{fx:?}")
        };
        let want = (12i64 << 32) | 12345;
        assert_eq!(request.path, format!("/v1/suggestions/{want}/response"));
        assert_eq!(request.body, json!({"response": "declined"}));
        assert_eq!(request.customer_id, Some(12345));
        assert_eq!(
            request.summary,
            "Declined Aurora Pro for Jane Okafor-Lindqvist"
        );
        assert_eq!(
            request.kind,
            WriteKind::SuggestionResponse {
                suggestion_id: want,
                answer: SuggestionAnswer::Declined
            }
        );
        let c = s.customer.as_ref().unwrap();
        assert_eq!(answer_of(c, want), Some(SuggestionAnswer::Declined));
        // A second key on the same suggestion does not send a second answer.
        assert!(cmd(&mut s, Command::AcceptSuggestion).is_empty());
        // Acknowledged: it leaves the list and the selection stays in it.
        response_acked(&mut s, want);
        let c = s.customer.as_ref().unwrap();
        let left: Vec<i64> = suggestions(c).iter().map(|x| x.rule_id).collect();
        assert_eq!(left, vec![7, 3]);
        assert_eq!(c.suggestion_selected, 1);
    }

    #[test]
    fn side_by_side_the_keys_answer_the_selected_suggestion() {
        let mut s = jane();
        update(&mut s, Action::Resize(160, 48));
        cmd(&mut s, Command::NextTab);
        cmd(&mut s, Command::NextTab);
        assert_eq!(s.customer.as_ref().unwrap().focus, Focus::Suggestions);
        let fx = cmd(&mut s, Command::SuggestionNotNow);
        let [Effect::Enqueue { request, .. }] = &fx[..] else {
            panic!("{fx:?}")
        };
        assert_eq!(request.body, json!({"response": "not_now"}));
        assert!(request.path.contains(&((7i64 << 32) | 12345).to_string()));
    }

    #[test]
    fn explain_cycles_through_every_figure_and_closes() {
        let mut s = jane();
        cmd(&mut s, Command::Explain);
        assert_eq!(s.explain.unwrap().figure, Figure::Clv);
        assert_eq!(s.context(), crate::keymap::Context::Explain);
        cmd(&mut s, Command::PreviousTab);
        assert_eq!(s.explain.unwrap().figure, Figure::Suggestions);
        for _ in 0..Figure::ALL.len() {
            cmd(&mut s, Command::NextTab);
        }
        assert_eq!(s.explain.unwrap().figure, Figure::Suggestions);
        // Keys of the customer screen do nothing under the explanation.
        assert!(cmd(&mut s, Command::RecordInteraction).is_empty());
        assert!(s.form.is_none());
        cmd(&mut s, Command::Back);
        assert!(s.explain.is_none());
    }

    #[test]
    fn insights_open_from_anywhere_and_go_back() {
        let mut s = jane();
        let fx = cmd(&mut s, Command::Insights);
        let [Effect::LoadInsights { id }, Effect::Presence(None)] = fx[..] else {
            panic!("{fx:?}")
        };
        assert_eq!(s.screen, Screen::Insights);
        assert_eq!(s.insights.data, Load::Loading);
        update(
            &mut s,
            Action::InsightsDone(id - 1, Ok(Box::new(fixtures::insights()))),
        );
        assert_eq!(s.insights.data, Load::Loading, "a stale reply is dropped");
        update(
            &mut s,
            Action::InsightsDone(id, Ok(Box::new(fixtures::insights()))),
        );
        assert!(s.insights.data.is_loaded());
        cmd(&mut s, Command::PageDown);
        assert_eq!(s.insights.scroll, PAGE);
        let fx = cmd(&mut s, Command::Back);
        assert_eq!(s.screen, Screen::Customer);
        assert_eq!(fx, vec![Effect::Presence(Some(12345))]);
    }

    #[test]
    fn recomputed_figures_and_answers_elsewhere_apply_to_the_open_customer() {
        let mut s = jane();
        let mut a = fixtures::analytics();
        a.churn.score = 70;
        a.suggestions.truncate(1);
        let event = |body| {
            Action::ServerEvent(Box::new(rapport_api::Event {
                id: None,
                at: fixtures::now(),
                by: None,
                customer_id: Some(12345),
                body,
            }))
        };
        update(&mut s, event(EventBody::AnalyticsUpdated(Box::new(a))));
        let v = s.view().unwrap().analytics.as_ref().unwrap();
        assert_eq!((v.churn.score, v.suggestions.len()), (70, 1));
        let r = rapport_api::SuggestionResponse {
            id: 1,
            suggestion_id: (7i64 << 32) | 12345,
            customer_id: 12345,
            rule_id: 7,
            response: SuggestionAnswer::Accepted,
            note: String::new(),
            agent: rapport_api::AgentRef {
                id: 7,
                name: "Tom Baker".into(),
            },
            responded_at: fixtures::now(),
        };
        update(&mut s, event(EventBody::SuggestionResponded(r)));
        assert!(
            s.view()
                .unwrap()
                .analytics
                .as_ref()
                .unwrap()
                .suggestions
                .is_empty()
        );
    }
}
