//! The agent's side of the live queues: their state (F3 picks available,
//! break or offline), the screen pop when a call is routed to them, the
//! call timer, ending the call (F8) and the wrap-up (F7): the interaction
//! form opens pre-filled for the call, and saving it makes the agent
//! available again.
//!
//! The wrap-up is bound to the call, never to whatever customer happens to
//! be on screen: it is for the call's customer (the one the number names),
//! or the one customer the agent opened during the call, or, when there are
//! several, the agent picks which from a small chooser. A caller nobody
//! identified (withheld, or a number no customer has) gets no form until
//! the agent finds and opens their record; the form then opens for them
//! (F3 finishes the wrap-up without notes). The interaction carries the
//! call's id and runs from the call's answer to its end; the server ends
//! the after-call work when it arrives, also late from the outbox.
//!
//! A screen pop paints the caller's 360 view when the server found exactly
//! one customer with the number; otherwise the number is looked up here:
//! several customers are a pick list (the search screen with them), none is
//! the search box with the number in it, and a withheld number or one in a
//! form that is no number leaves the box empty for the caller's name. A pop
//! waits while a form is open, so nothing typed is pulled away.
//!
//! Also the one action and effect of the live queues ([`QueuesAction`],
//! [`QueuesEffect`]) and the modal keys of the state picker and the reason
//! prompt. Called from [`super::update`]; pure like it.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};
use rapport_api::{
    AgentState, AgentStatus, Approval, Call, CallId, Complaint, CustomerId, CustomerView, Desk,
    QueueLive, SearchResponse, WhatIf,
};

use super::form::Form;
use super::state::*;
use super::writes::notice;
use super::{Action, Effect, supervisor};
use crate::api::ApiError;
use crate::keymap::{Command, Context, Key, Keymap};
use crate::sanitize::clean;

/// Replies of the live-queue requests, and keys for the modal prompts.
#[derive(Debug, Clone, PartialEq)]
pub enum QueuesAction {
    /// The agent's state (loaded, or set).
    StateLoaded(RequestId, Result<AgentStatus, ApiError>),
    CallEnded(RequestId, Result<Call, ApiError>),
    CallerFound(RequestId, Result<SearchResponse, ApiError>),
    QueuesLoaded(RequestId, Result<Vec<QueueLive>, ApiError>),
    DeskLoaded(RequestId, Result<Box<Desk>, ApiError>),
    ApprovalsLoaded(RequestId, Result<Vec<Approval>, ApiError>),
    AtRiskLoaded(RequestId, Result<Vec<Complaint>, ApiError>),
    WhatIfLoaded(RequestId, Result<WhatIf, ApiError>),
    /// A key while the state picker or a reason prompt is open.
    ModalKey(KeyEvent),
}

/// Live-queue requests for the runtime (see `crate::api::queues`).
#[derive(Debug, Clone, PartialEq)]
pub enum QueuesEffect {
    LoadState {
        id: RequestId,
    },
    SetState {
        id: RequestId,
        state: AgentState,
    },
    EndCall {
        id: RequestId,
        call_id: String,
    },
    LookupCaller {
        id: RequestId,
        number: String,
    },
    LoadQueues {
        id: RequestId,
    },
    LoadDesk {
        id: RequestId,
    },
    LoadApprovals {
        id: RequestId,
    },
    LoadAtRisk {
        id: RequestId,
    },
    WhatIf {
        id: RequestId,
        queue: i64,
        agents: Option<u32>,
    },
}

/// What F3 offers, in order.
pub const CHOICES: [AgentState; 3] = [
    AgentState::Available,
    AgentState::Break,
    AgentState::Offline,
];

/// The call being wrapped up.
#[derive(Debug, Clone, PartialEq)]
pub struct Wrap {
    pub call: Call,
    /// The draft key of its interaction form, once opened.
    pub form: Option<String>,
    /// The customer the agent chose for it (from the chooser).
    pub customer: Option<CustomerId>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct CallsState {
    /// The agent's state, since when, and their call.
    pub status: Option<AgentStatus>,
    /// The state request whose reply is wanted.
    pub request: RequestId,
    /// A state change on its way.
    pub setting: Option<AgentState>,
    /// The F3 picker, open at this row.
    pub picker: Option<usize>,
    /// The call whose screen has popped (each pops once).
    pub popped: Option<CallId>,
    /// The caller lookup in flight, for this call.
    pub lookup: Option<(RequestId, Call)>,
    /// A pop waiting for the open form to close.
    pub deferred: Option<Call>,
    /// The end-call request in flight.
    pub ending: Option<RequestId>,
    pub wrap: Option<Wrap>,
    /// Every queue's figures, from the desk events (the status bar shows
    /// the agent's queue).
    pub queues: Vec<QueueLive>,
    pub queues_request: RequestId,
    /// Customers opened during the current call and its wrap-up, in order:
    /// who the wrap-up may be for.
    pub opened: Vec<(CustomerId, String)>,
    /// The wrap-up's customer chooser, open at this row.
    pub chooser: Option<usize>,
}

impl CallsState {
    pub fn state(&self) -> Option<AgentState> {
        self.status.as_ref().map(|s| s.state)
    }

    /// The call the agent is on or wrapping up.
    pub fn call(&self) -> Option<&Call> {
        self.status.as_ref().and_then(|s| s.call.as_ref())
    }

    /// The queue the status bar shows: the call's, else the agent's busiest.
    pub fn my_queue(&self) -> Option<&QueueLive> {
        let status = self.status.as_ref()?;
        if let Some(c) = &status.call
            && let Some(q) = self.queues.iter().find(|q| q.queue.id == c.queue_id)
        {
            return Some(q);
        }
        self.queues
            .iter()
            .filter(|q| status.queues.contains(&q.queue.id))
            .max_by_key(|q| (q.waiting, std::cmp::Reverse(q.queue.id)))
    }
}

/// What an agent who serves no queue is told when they go available.
pub const NO_QUEUE: &str = "You serve no queue, so no calls will come: ask a supervisor to add you to one (rapport-server queue join).";

/// The agent's state is known and names no queue they serve.
pub fn serves_no_queue(s: &AppState) -> bool {
    s.calls
        .status
        .as_ref()
        .is_some_and(|st| st.queues.is_empty())
}

/// After sign-in: the agent's state, and the queues' figures.
pub fn signed_in(s: &mut AppState) -> Vec<Effect> {
    let id = s.fresh_id();
    s.calls.request = id;
    let q = s.fresh_id();
    s.calls.queues_request = q;
    vec![
        Effect::Queues(QueuesEffect::LoadState { id }),
        Effect::Queues(QueuesEffect::LoadQueues { id: q }),
    ]
}

fn me(s: &AppState) -> Option<i64> {
    s.me.loaded().map(|m| m.agent.id)
}

/// F3, F8, F7: work on every screen, with a form open too (ending the call
/// while typing its notes is common).
pub fn command(s: &mut AppState, cmd: Command) -> Option<Vec<Effect>> {
    match cmd {
        Command::AgentState => {
            if s.calls.status.is_none() {
                notice(s, "Your state has not loaded yet; try again in a moment.");
                return Some(vec![]);
            }
            if s.calls.state() == Some(AgentState::OnCall) {
                notice(
                    s,
                    "You are on a call: end it first, then choose your state.",
                );
                return Some(vec![]);
            }
            let now = s.calls.state().unwrap_or(AgentState::Offline);
            s.calls.picker = Some(CHOICES.iter().position(|c| *c == now).unwrap_or(0));
            Some(vec![])
        }
        Command::EndCall => Some(end_call(s)),
        Command::WrapUp => Some(open_wrap_up(s)),
        _ => None,
    }
}

fn end_call(s: &mut AppState) -> Vec<Effect> {
    let on = s
        .calls
        .call()
        .filter(|_| s.calls.state() == Some(AgentState::OnCall))
        .map(|c| c.external_id.clone());
    let Some(call_id) = on else {
        notice(s, "You are not on a call.");
        return vec![];
    };
    if s.calls.ending.is_some() {
        return vec![];
    }
    let id = s.fresh_id();
    s.calls.ending = Some(id);
    vec![Effect::Queues(QueuesEffect::EndCall { id, call_id })]
}

/// Ask for a state.
fn set_state(s: &mut AppState, state: AgentState) -> Vec<Effect> {
    let id = s.fresh_id();
    s.calls.request = id;
    s.calls.setting = Some(state);
    vec![Effect::Queues(QueuesEffect::SetState { id, state })]
}

/// The agent's status changed (a reply, or their own `agent_state` event).
pub fn status_changed(s: &mut AppState, mut new: AgentStatus) -> Vec<Effect> {
    // The caller's view that may come with a routed call is not kept in
    // the status.
    let view = new.caller_view.take();
    let before = s.calls.status.take();
    let was = before
        .as_ref()
        .map(|b| (b.state, b.call.as_ref().map(|c| c.id)));
    // An older status than the one shown is not applied.
    if let Some(b) = &before
        && b.since > new.since
    {
        s.calls.status = before;
        return vec![];
    }
    s.calls.status = Some(new.clone());
    let mut fx = Vec::new();
    match (new.state, new.call) {
        (AgentState::OnCall, Some(call)) if s.calls.popped != Some(call.id) => {
            fx.extend(pop(s, call, view));
        }
        (AgentState::AfterCallWork, Some(call))
            if was != Some((AgentState::AfterCallWork, Some(call.id))) =>
        {
            let customer = s
                .calls
                .wrap
                .as_ref()
                .filter(|w| w.call.id == call.id)
                .and_then(|w| w.customer);
            s.calls.wrap = Some(Wrap {
                call,
                form: None,
                customer,
            });
            fx.extend(open_wrap_up(s));
        }
        (AgentState::AfterCallWork, _) => {}
        _ => {
            s.calls.wrap = None;
            s.calls.chooser = None;
        }
    }
    fx
}

/// A customer was opened: during a call or its wrap-up, the wrap-up may
/// be for them.
pub fn customer_opened(s: &mut AppState, id: CustomerId, name: &str) {
    if !matches!(
        s.calls.state(),
        Some(AgentState::OnCall | AgentState::AfterCallWork)
    ) {
        return;
    }
    if let Some(o) = s.calls.opened.iter_mut().find(|(c, _)| *c == id) {
        if !name.is_empty() {
            o.1 = name.to_string();
        }
        return;
    }
    s.calls.opened.push((id, name.to_string()));
}

/// Who the wrap-up may be for: the call's customer, then those opened
/// during the call, each once.
pub fn candidates(s: &AppState) -> Vec<(CustomerId, String)> {
    let mut v: Vec<(CustomerId, String)> = Vec::new();
    if let Some(w) = &s.calls.wrap
        && let Some(id) = w.call.customer_id
    {
        v.push((id, w.call.customer_name.clone().unwrap_or_default()));
    }
    for (id, name) in &s.calls.opened {
        match v.iter_mut().find(|(c, _)| c == id) {
            Some(known) if known.1.is_empty() => known.1 = name.clone(),
            Some(_) => {}
            None => v.push((*id, name.clone())),
        }
    }
    v
}

/// The customer the wrap-up is for, when that is settled: the one chosen,
/// or the only candidate.
fn wrap_customer(s: &AppState) -> Option<(CustomerId, String)> {
    let all = candidates(s);
    if let Some(id) = s.calls.wrap.as_ref().and_then(|w| w.customer) {
        return all.into_iter().find(|(c, _)| *c == id);
    }
    match &all[..] {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// A customer's view arrived: when the wrap-up waits for that customer,
/// its form opens now.
pub fn view_loaded(s: &mut AppState) -> Vec<Effect> {
    let Some(w) = &s.calls.wrap else {
        return vec![];
    };
    if w.form.is_some() || s.form.is_some() || s.calls.chooser.is_some() {
        return vec![];
    }
    let shown = s.view().map(|v| v.profile.id);
    match wrap_customer(s) {
        Some((id, _)) if Some(id) == shown => open_wrap_up(s),
        _ => vec![],
    }
}

/// A call was given to the agent; `view` is the caller's, when it came
/// with the call.
fn pop(s: &mut AppState, call: Call, view: Option<Box<CustomerView>>) -> Vec<Effect> {
    s.calls.popped = Some(call.id);
    s.calls.lookup = None;
    // A new call: nobody has been opened for it yet.
    s.calls.opened.clear();
    s.calls.chooser = None;
    if s.form.is_some() || s.review.is_some() {
        notice(
            s,
            format!(
                "Call from {}: finish or close the form to see the caller.",
                caller_words(&call.caller)
            ),
        );
        // Read again when shown: the view may be out of date by then.
        s.calls.deferred = Some(call);
        return vec![];
    }
    show_caller(s, call, view)
}

/// The number as the agent may see it: masked, as every contact detail
/// (country code and last three digits of an E.164 number, only the last
/// three digits of any other).
pub fn caller_words(caller: &str) -> String {
    let c = clean(caller).into_owned();
    if !looks_like_phone(&c) {
        return c;
    }
    if c.starts_with('+') {
        return rapport_api::mask_phone(&c);
    }
    let digits: Vec<char> = c.chars().filter(|c| c.is_ascii_digit()).collect();
    let tail: String = digits[digits.len().saturating_sub(3)..].iter().collect();
    format!("{}{tail}", "•".repeat(digits.len().saturating_sub(3)))
}

/// Digits with the usual separators, five digits or more.
pub fn looks_like_phone(s: &str) -> bool {
    let t = s.trim();
    t.chars().filter(|c| c.is_ascii_digit()).count() >= 5
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
}

fn show_caller(s: &mut AppState, call: Call, view: Option<Box<CustomerView>>) -> Vec<Effect> {
    if s.screen == Screen::Supervisor {
        s.screen = Screen::Search;
    }
    if let Some(id) = call.customer_id {
        let name = call.customer_name.clone().unwrap_or_default();
        let mut fx = super::update::open_customer(s, id, name);
        // The view that came with the call stands for the one asked for.
        if let Some(v) = view.filter(|v| v.profile.id == id)
            && let Some(at) = fx
                .iter()
                .position(|f| matches!(f, Effect::LoadView { customer, .. } if *customer == id))
            && let Effect::LoadView { id: request, .. } = fx.remove(at)
        {
            fx.extend(super::update::update(s, Action::ViewDone(request, Ok(v))));
        }
        return fx;
    }
    if !looks_like_phone(&call.caller) {
        prefill_search(s, String::new());
        let what = caller_words(&call.caller);
        notice(
            s,
            format!("Call with no number ({what}): ask for the caller's name or account number."),
        );
        return vec![];
    }
    let id = s.fresh_id();
    let number = call.caller.clone();
    s.calls.lookup = Some((id, call));
    vec![Effect::Queues(QueuesEffect::LookupCaller { id, number })]
}

/// The search screen with `query` in the box (searched, unless empty).
fn prefill_search(s: &mut AppState, query: String) -> Vec<Effect> {
    let was_customer = s.screen == Screen::Customer;
    s.screen = Screen::Search;
    s.search.query = query;
    s.search.replace_on_type = false;
    s.search.selected = 0;
    let mut fx = if was_customer {
        vec![Effect::Presence(None)]
    } else {
        vec![]
    };
    if s.search.query.trim().is_empty() {
        s.search.results = Load::Idle;
        s.search.pending = false;
    } else {
        let id = s.fresh_id();
        s.search.latest = id;
        s.search.pending = true;
        s.search.results = Load::Loading;
        fx.push(Effect::Search {
            id,
            query: s.search.query.clone(),
            limit: super::update::SEARCH_LIMIT,
        });
    }
    fx
}

fn caller_found(
    s: &mut AppState,
    id: RequestId,
    r: Result<SearchResponse, ApiError>,
) -> Vec<Effect> {
    let Some((want, call)) = s.calls.lookup.take() else {
        return vec![];
    };
    if want != id {
        s.calls.lookup = Some((want, call));
        return vec![];
    }
    let who = caller_words(&call.caller);
    match r {
        Ok(found) if found.hits.len() == 1 => {
            let h = &found.hits[0];
            super::update::open_customer(s, h.id, h.display_name.clone())
        }
        Ok(found) if !found.hits.is_empty() => {
            let n = found.hits.len();
            let fx = prefill_search(s, String::new());
            s.search.query = call.caller.clone();
            s.search.results = Load::Loaded(found);
            notice(s, format!("{n} customers have {who}: pick the caller."));
            fx
        }
        Ok(_) => {
            let fx = prefill_search(s, call.caller.clone());
            notice(
                s,
                format!("No customer has {who}: search by name, email or account number."),
            );
            fx
        }
        Err(e) => {
            let fx = prefill_search(s, call.caller.clone());
            notice(s, format!("Could not look up {who}: {e}"));
            fx
        }
    }
}

/// F7, and the start of after-call work: the interaction form for the
/// customer the call is with (see [`wrap_customer`]), with what the call
/// tells already filled in; the chooser when several customers may be the
/// one; a word on what to do when nobody is identified yet.
fn open_wrap_up(s: &mut AppState) -> Vec<Effect> {
    if s.calls.wrap.is_none()
        && s.calls.state() == Some(AgentState::AfterCallWork)
        && let Some(call) = s.calls.call().cloned()
    {
        // In after-call work whatever the client missed: the wrap-up is
        // for that call (the status bar and F7 agree).
        s.calls.wrap = Some(Wrap {
            call,
            form: None,
            customer: None,
        });
    }
    let Some(wrap) = s.calls.wrap.clone() else {
        if s.calls.state() == Some(AgentState::AfterCallWork) {
            notice(
                s,
                "You are in after-call work with no call on record: press F3 and choose available when done.",
            );
        } else {
            notice(s, "There is no call to wrap up.");
        }
        return vec![];
    };
    if let Some(f) = s.form.as_mut() {
        // The agent opened the interaction form during the call: that form
        // is the wrap-up.
        if matches!(f.kind, super::FormKind::Interaction) {
            let key = f.kind.draft_key(f.customer_id);
            f.context.wrap = Some(binding(&wrap.call));
            if let Some(w) = s.calls.wrap.as_mut() {
                w.form = Some(key);
                w.customer = Some(f.customer_id);
            }
        }
        return vec![];
    }
    let who = caller_words(&wrap.call.caller);
    let Some((customer, name)) = wrap_customer(s) else {
        let all = candidates(s);
        if all.is_empty() {
            // Nobody identified: never the record that happens to be on
            // screen (it is someone else's).
            if s.screen == Screen::Customer {
                s.screen = Screen::Search;
            }
            notice(
                s,
                format!(
                    "Caller not identified ({who}): open their record to note the call, or F3 when done."
                ),
            );
            return vec![];
        }
        s.calls.chooser = Some(0);
        return vec![];
    };
    let view = s.view().filter(|v| v.profile.id == customer).cloned();
    let Some(view) = view else {
        // Their record first; the form opens when it is read.
        notice(
            s,
            format!("Wrap-up of the call from {who}: opening {}…", clean(&name)),
        );
        return super::update::open_customer(s, customer, name);
    };
    let Some(tax) = s.taxonomy.loaded().cloned() else {
        notice(
            s,
            format!(
                "Wrap-up of the call from {who}: the contact reasons have not loaded yet; press F7 again in a moment."
            ),
        );
        return vec![];
    };
    if s.screen != Screen::Customer {
        s.screen = Screen::Customer;
    }
    let started = wrap.call.answered_at.unwrap_or(wrap.call.offered_at);
    let mut form = Form::interaction(&view, &tax, None, started);
    let queue = s
        .calls
        .queues
        .iter()
        .find(|q| q.queue.id == wrap.call.queue_id);
    if let Some(reason) = queue.and_then(|q| q.queue.reason.clone())
        && let Some(f) = form.fields.iter_mut().find(|f| f.name == "reason")
    {
        f.set_value(&reason);
    }
    form.initial = form.values();
    form.context.call = Some(call_fact(&wrap.call, queue, &who));
    form.context.wrap = Some(binding(&wrap.call));
    if !form.is_visible(form.focus) {
        form.move_focus(true);
    }
    // Notes first: the reason is usually right already.
    if let Some(i) = form.fields.iter().position(|f| f.name == "notes") {
        form.focus = i;
    }
    let key = form.kind.draft_key(form.customer_id);
    if let Some(w) = s.calls.wrap.as_mut() {
        w.form = Some(key.clone());
        w.customer = Some(customer);
    }
    // A draft of this customer's interaction is the agent's own words:
    // they win over the pre-filled values.
    if let Some(i) = s.drafts.iter().position(|d| d.key() == key) {
        let d = s.drafts.remove(i);
        form.restore(&d);
    }
    s.form = Some(form);
    vec![]
}

/// What binds an interaction form to the call it wraps up.
fn binding(call: &Call) -> super::form::WrapOf {
    super::form::WrapOf {
        call_id: call.id,
        started: call.answered_at.unwrap_or(call.offered_at),
        ended: call.ended_at,
    }
}

/// "Call from +44 •••123 on Billing, answered 14:27, 3m 12s talk."
fn call_fact(call: &Call, queue: Option<&QueueLive>, who: &str) -> String {
    let on = queue
        .map(|q| format!(" on {}", clean(&q.queue.name)))
        .unwrap_or_default();
    let talk = match (call.answered_at, call.ended_at) {
        (Some(a), Some(e)) => format!(
            ", {} talk",
            crate::ui::format::duration((e - a).num_seconds())
        ),
        _ => String::new(),
    };
    let at = call
        .answered_at
        .map(|a| format!(", answered {}", a.format("%H:%M")))
        .unwrap_or_default();
    format!("Wrap-up of the call from {who}{on}{at}{talk}.{SAVING_MAKES_AVAILABLE}")
}

/// Said on the wrap-up form while saving it ends after-call work; dropped
/// once the agent chooses another state.
pub const SAVING_MAKES_AVAILABLE: &str = " Saving makes you available.";

/// The wrap-up form is being stored by the outbox under `tag`.
pub fn is_wrap_form(s: &AppState, tag: u64) -> bool {
    let Some(f) = s.form.as_ref().filter(|f| f.saving == Some(tag)) else {
        return false;
    };
    let key = f.kind.draft_key(f.customer_id);
    s.calls
        .wrap
        .as_ref()
        .is_some_and(|w| w.form.as_deref() == Some(key.as_str()))
}

/// The wrap-up is in the outbox. One bound to its call ends the after-call
/// work on the server when it arrives (the agent's own state event then
/// says available), also after the server was away; an unbound one (a
/// form restored from a draft) asks for available here, as before.
pub fn wrapped(s: &mut AppState, bound: bool) -> Vec<Effect> {
    s.calls.wrap = None;
    s.calls.chooser = None;
    if bound || s.calls.state() != Some(AgentState::AfterCallWork) {
        return vec![];
    }
    set_state(s, AgentState::Available)
}

/// The wrap-up form stored under `tag` carries its call.
pub fn is_bound_form(s: &AppState, tag: u64) -> bool {
    s.form
        .as_ref()
        .filter(|f| f.saving == Some(tag))
        .is_some_and(|f| f.context.wrap.is_some())
}

/// What waits for the moment a form closes: a deferred screen pop.
pub fn settle(s: &mut AppState) -> Vec<Effect> {
    if s.form.is_none()
        && s.review.is_none()
        && let Some(call) = s.calls.deferred.take()
    {
        // Popped only if the agent is still on that call.
        if s.calls.call().map(|c| c.id) == Some(call.id) {
            return show_caller(s, call, None);
        }
    }
    vec![]
}

pub fn action(s: &mut AppState, a: QueuesAction) -> Vec<Effect> {
    match a {
        QueuesAction::StateLoaded(id, r) => {
            if id != s.calls.request {
                return vec![];
            }
            let asked = s.calls.setting.take();
            match r {
                Ok(st) => status_changed(s, st),
                Err(e) => {
                    let what = match asked {
                        Some(st) => format!("Your state is still not {}: {e}", st.label()),
                        None => format!("Your state could not be read: {e}"),
                    };
                    notice(s, what);
                    vec![]
                }
            }
        }
        QueuesAction::CallEnded(id, r) => {
            if s.calls.ending != Some(id) {
                return vec![];
            }
            s.calls.ending = None;
            match r {
                // The agent's event says the same; whichever comes first
                // starts the wrap-up.
                Ok(call) => match s.calls.status.clone() {
                    Some(mut st) if st.call.as_ref().is_some_and(|c| c.id == call.id) => {
                        st.state = AgentState::AfterCallWork;
                        st.since = call.ended_at.unwrap_or(st.since);
                        st.call = Some(call);
                        status_changed(s, st)
                    }
                    _ => vec![],
                },
                Err(e) => {
                    notice(s, format!("The call did not end: {e}"));
                    vec![]
                }
            }
        }
        QueuesAction::CallerFound(id, r) => caller_found(s, id, r),
        QueuesAction::QueuesLoaded(id, r) => {
            if id == s.calls.queues_request
                && let Ok(q) = r
            {
                s.calls.queues = q;
            }
            vec![]
        }
        QueuesAction::ModalKey(ev) => modal(s, &ev),
        other => supervisor::action(s, other),
    }
}

/// A desk snapshot arrived: the queues for the status bar, the rest for
/// the desk.
pub fn desk_event(s: &mut AppState, d: Desk) -> Vec<Effect> {
    s.calls.queues = d.queues.clone();
    supervisor::desk_event(s, d)
}

/// Someone's state changed: ours pops and wraps up; the desk shows others.
pub fn agent_event(s: &mut AppState, st: AgentStatus) -> Vec<Effect> {
    if Some(st.agent.id) == me(s) {
        return status_changed(s, st);
    }
    supervisor::agent_event(s, st);
    vec![]
}

/// Seconds until the call timer or time in state shows another value: the
/// call and the wrap-up to the second, other states to the minute.
pub fn next_change(s: &AppState) -> Option<i64> {
    let st = s.calls.status.as_ref()?;
    let secs = (s.now - st.since).num_seconds();
    match st.state {
        AgentState::Offline => None,
        AgentState::OnCall | AgentState::AfterCallWork => Some(1),
        // Seconds count in the first minute, then minutes.
        _ if secs < 60 => Some(1),
        _ => Some(60 - secs.rem_euclid(60)),
    }
}

/// `03:12` (or `1:03:12` past an hour).
pub fn clock(since: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let s = (now - since).num_seconds().max(0);
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{h}:{m:02}:{sec:02}")
    } else {
        format!("{m:02}:{sec:02}")
    }
}

// ---------------------------------------------------------------- modal keys

/// Keys while the state picker or the reject prompt is open: these take
/// the keyboard (letters type), except the global keys that are no text
/// (Ctrl-c, F1, Esc and the F-keys of the live queues).
pub fn modal_key(s: &AppState, keymap: &Keymap, ev: &KeyEvent) -> Option<Action> {
    if s.calls.picker.is_none() && s.desk.reject.is_none() && s.calls.chooser.is_none() {
        return None;
    }
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let key = Key::from_event(ev)?;
    if key.typed_char().is_none()
        && !matches!(
            ev.code,
            KeyCode::Enter | KeyCode::Backspace | KeyCode::Up | KeyCode::Down
        )
        && let Some(cmd) = keymap.lookup_in(Context::Global, &key)
    {
        return Some(Action::Command(cmd));
    }
    Some(Action::Queues(Box::new(QueuesAction::ModalKey(*ev))))
}

fn modal(s: &mut AppState, ev: &KeyEvent) -> Vec<Effect> {
    if s.desk.reject.is_some() {
        return supervisor::reject_key(s, ev);
    }
    if let Some(row) = s.calls.chooser {
        return chooser_key(s, row, ev);
    }
    let Some(row) = s.calls.picker else {
        return vec![];
    };
    let choose = |s: &mut AppState, st: AgentState| {
        s.calls.picker = None;
        if st == AgentState::Available && serves_no_queue(s) {
            notice(s, NO_QUEUE);
        }
        if s.calls.state() == Some(st) {
            return vec![];
        }
        set_state(s, st)
    };
    match ev.code {
        KeyCode::Up => s.calls.picker = Some(row.saturating_sub(1)),
        KeyCode::Down => s.calls.picker = Some((row + 1).min(CHOICES.len() - 1)),
        KeyCode::Enter => return choose(s, CHOICES[row]),
        KeyCode::Esc => s.calls.picker = None,
        KeyCode::Char(c) => {
            let c = c.to_ascii_lowercase();
            if let Some(st) = CHOICES.iter().find(|st| st.label().starts_with(c)).copied() {
                return choose(s, st);
            }
        }
        _ => {}
    }
    vec![]
}

/// Keys of the wrap-up's customer chooser: arrows and Enter, or the
/// row's number.
fn chooser_key(s: &mut AppState, row: usize, ev: &KeyEvent) -> Vec<Effect> {
    let all = candidates(s);
    if all.is_empty() {
        s.calls.chooser = None;
        return vec![];
    }
    let pick = |s: &mut AppState, i: usize| {
        s.calls.chooser = None;
        if let Some(w) = s.calls.wrap.as_mut() {
            w.customer = Some(all[i].0);
        }
        open_wrap_up(s)
    };
    match ev.code {
        KeyCode::Up => s.calls.chooser = Some(row.saturating_sub(1)),
        KeyCode::Down => s.calls.chooser = Some((row + 1).min(all.len() - 1)),
        KeyCode::Enter => return pick(s, row.min(all.len() - 1)),
        KeyCode::Esc => s.calls.chooser = None,
        KeyCode::Char(c) => {
            if let Some(i) = c.to_digit(10).map(|d| d as usize)
                && (1..=all.len()).contains(&i)
            {
                return pick(s, i - 1);
            }
        }
        _ => {}
    }
    vec![]
}

/// Esc closes the picker (from the global Back).
pub fn back(s: &mut AppState) -> bool {
    if s.calls.picker.take().is_some() {
        return true;
    }
    if s.calls.chooser.take().is_some() {
        return true;
    }
    s.desk.reject.take().is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Action, update};
    use crate::fixtures;
    use rapport_api::{CustomerHit, Event, EventBody, MatchField, MatchKind, Tier};

    fn queues(s: &mut AppState, a: QueuesAction) -> Vec<Effect> {
        update(s, Action::Queues(Box::new(a)))
    }

    fn cmd(s: &mut AppState, c: Command) -> Vec<Effect> {
        update(s, Action::Command(c))
    }

    /// Mei's own `agent_state` event, as the stream delivers it.
    fn my_event(s: &mut AppState, st: AgentStatus) -> Vec<Effect> {
        update(
            s,
            Action::ServerEvent(Box::new(Event {
                id: Some(100),
                at: fixtures::now(),
                by: Some(st.agent.clone()),
                customer_id: None,
                body: EventBody::AgentState(st),
            })),
        )
    }

    fn available() -> AppState {
        fixtures::state_agent_in(AgentState::Available, 65, None)
    }

    fn routed(caller: &str, known: bool) -> AgentStatus {
        let mut c = fixtures::call(known);
        c.caller = caller.into();
        fixtures::status(AgentState::OnCall, 0, Some(c))
    }

    fn hit(id: i64, name: &str) -> CustomerHit {
        CustomerHit {
            id,
            account_number: format!("ACC-{id:07}"),
            display_name: name.into(),
            tier: Tier::Gold,
            locality: "London, GB".into(),
            matched_text: "+441632960001".into(),
            matched_field: MatchField::Phone,
            match_kind: MatchKind::Exact,
            score: 1.0,
        }
    }

    fn found(s: &mut AppState, fx: &[Effect], hits: Vec<CustomerHit>) -> Vec<Effect> {
        let Some(Effect::Queues(QueuesEffect::LookupCaller { id, number })) = fx.first() else {
            panic!("a lookup by number: {fx:?}")
        };
        assert_eq!(number, "+441632960001");
        let id = *id;
        queues(
            s,
            QueuesAction::CallerFound(
                id,
                Ok(SearchResponse {
                    query: number.clone(),
                    hits,
                    more: false,
                }),
            ),
        )
    }

    /// The effects of opening customer `id`: their view asked for, their
    /// presence told.
    fn opens(fx: &[Effect], id: i64) -> bool {
        matches!(
            fx,
            [Effect::LoadView { customer, .. }, Effect::Presence(Some(p))] if *customer == id && *p == id
        )
    }

    #[test]
    fn one_match_paints_the_callers_360() {
        // The server found the one customer with the number: the view is
        // asked for at once, no lookup in between.
        let mut s = available();
        let fx = my_event(&mut s, routed("+447700900123", true));
        assert!(opens(&fx, 12345), "{fx:?}");
        assert_eq!(s.screen, Screen::Customer);
        // Found by the lookup instead: the same.
        let mut s = available();
        let fx = my_event(&mut s, routed("+441632960001", false));
        let fx = found(&mut s, &fx, vec![hit(30007, "Chidi Okafor")]);
        assert!(opens(&fx, 30007), "{fx:?}");
        // A repeat of the event (a reconnect) pops nothing again.
        let fx = my_event(&mut s, routed("+441632960001", false));
        assert!(fx.is_empty(), "{fx:?}");
    }

    #[test]
    fn the_view_that_comes_with_the_call_is_painted_without_asking() {
        let mut s = available();
        let mut st = routed("+447700900123", true);
        st.caller_view = Some(Box::new(fixtures::customer_view()));
        let fx = my_event(&mut s, st);
        assert!(matches!(fx[..], [Effect::Presence(Some(12345))]), "{fx:?}");
        assert_eq!(s.screen, Screen::Customer);
        let c = s.customer.as_ref().unwrap();
        assert_eq!(c.view.loaded().map(|v| v.profile.id), Some(12345));
        assert!(!c.history.items.is_empty(), "the history is the view's");
        // Not kept in the status.
        assert!(s.calls.status.as_ref().unwrap().caller_view.is_none());
        // A view of someone else is not taken for the caller's.
        let mut s = available();
        let mut st = routed("+447700900123", true);
        let mut other = fixtures::customer_view();
        other.profile.id = 999;
        st.caller_view = Some(Box::new(other));
        let fx = my_event(&mut s, st);
        assert!(opens(&fx, 12345), "{fx:?}");
        assert!(!s.customer.as_ref().unwrap().view.is_loaded());
    }

    #[test]
    fn several_matches_are_a_pick_list() {
        let mut s = available();
        let fx = my_event(&mut s, routed("+441632960001", false));
        let fx = found(
            &mut s,
            &fx,
            vec![
                hit(12345, "Jane Okafor-Lindqvist"),
                hit(30010, "Erik Lindqvist"),
            ],
        );
        assert!(fx.is_empty(), "the hits are the list: {fx:?}");
        assert_eq!(s.screen, Screen::Search);
        assert_eq!(s.search.query, "+441632960001");
        assert_eq!(s.search.results.loaded().unwrap().hits.len(), 2);
        assert!(
            s.notice
                .as_ref()
                .unwrap()
                .0
                .starts_with("2 customers have +44")
        );
        // Enter opens the one picked.
        update(&mut s, Action::Command(Command::Next));
        let fx = cmd(&mut s, Command::Open);
        assert!(matches!(
            fx[..],
            [
                Effect::LoadView {
                    customer: 30010,
                    ..
                },
                _
            ]
        ));
    }

    #[test]
    fn no_match_prefills_the_search_with_the_number() {
        let mut s = available();
        let fx = my_event(&mut s, routed("+441632960001", false));
        let fx = found(&mut s, &fx, vec![]);
        assert_eq!(s.screen, Screen::Search);
        assert_eq!(s.search.query, "+441632960001");
        assert!(
            matches!(&fx[..], [Effect::Search { query, .. }] if query == "+441632960001"),
            "searched as typed, for partial matches: {fx:?}"
        );
        assert!(
            s.notice
                .as_ref()
                .unwrap()
                .0
                .starts_with("No customer has +44")
        );
    }

    #[test]
    fn an_unknown_number_format_asks_for_the_name() {
        for caller in ["anonymous", "sip:alice@example.com", "12"] {
            let mut s = available();
            let fx = my_event(&mut s, routed(caller, false));
            assert!(fx.is_empty(), "no lookup for {caller}: {fx:?}");
            assert_eq!(s.screen, Screen::Search);
            assert_eq!(s.search.query, "");
            let n = &s.notice.as_ref().unwrap().0;
            assert!(n.contains(caller) && n.contains("caller's name"), "{n}");
        }
    }

    #[test]
    fn a_pop_waits_for_the_open_form() {
        let mut s = fixtures::state_with_customer(fixtures::customer_view());
        let id = s.fresh_id();
        s.calls.request = id;
        queues(
            &mut s,
            QueuesAction::StateLoaded(id, Ok(fixtures::status(AgentState::Available, 5, None))),
        );
        assert!(cmd(&mut s, Command::RecordInteraction).is_empty());
        // The view that came with the call is not kept for later: it is
        // read again when the pop follows.
        let mut st = routed("+447700900123", true);
        st.caller_view = Some(Box::new(fixtures::customer_view()));
        let fx = my_event(&mut s, st);
        assert!(fx.is_empty());
        assert!(s.form.is_some(), "what was typed stays");
        assert!(
            s.notice
                .as_ref()
                .unwrap()
                .0
                .contains("finish or close the form")
        );
        // Esc (twice: nothing typed, once) closes it; the pop follows.
        let fx = cmd(&mut s, Command::Back);
        assert!(s.form.is_none());
        assert!(
            fx.iter().any(|f| matches!(
                f,
                Effect::LoadView {
                    customer: 12345,
                    ..
                }
            )),
            "{fx:?}"
        );
    }

    #[test]
    fn ending_the_call_opens_the_wrap_up_and_saving_it_makes_you_available() {
        let mut s = fixtures::state_with_customer(fixtures::customer_view());
        let id = s.fresh_id();
        s.calls.request = id;
        s.calls.queues = fixtures::desk().queues;
        let st = fixtures::status(AgentState::OnCall, 192, Some(fixtures::call(true)));
        queues(&mut s, QueuesAction::StateLoaded(id, Ok(st)));
        assert_eq!(
            crate::ui::calls::state_words(&s).unwrap(),
            "☎ 03:12 Jane Okafor-Lindqvist",
            "the call timer runs from the answer"
        );
        let fx = cmd(&mut s, Command::EndCall);
        let [Effect::Queues(QueuesEffect::EndCall { id, call_id })] = &fx[..] else {
            panic!("{fx:?}")
        };
        assert_eq!(call_id, "pbx-7001");
        let mut ended = fixtures::call(true);
        ended.status = rapport_api::CallStatus::WrapUp;
        ended.ended_at = Some(fixtures::now());
        let fx = queues(&mut s, QueuesAction::CallEnded(*id, Ok(ended.clone())));
        assert!(fx.is_empty(), "{fx:?}");
        assert_eq!(s.calls.state(), Some(AgentState::AfterCallWork));
        let form = s.form.as_ref().expect("the wrap-up form opens");
        assert_eq!(form.value("reason"), "Billing query", "from the queue");
        assert_eq!(form.value("channel"), "call");
        assert_eq!(form.value("direction"), "inbound");
        assert_eq!(form.opened_at, fixtures::call(true).answered_at.unwrap());
        assert!(form.context.call.as_deref().unwrap().contains("on Billing"));
        assert_eq!(form.fields[form.focus].name, "notes");
        // The same end arriving as an event opens nothing twice.
        let mut st = fixtures::status(AgentState::AfterCallWork, 0, Some(ended));
        st.since = fixtures::now() + chrono::Duration::milliseconds(1);
        assert!(my_event(&mut s, st).is_empty());
        // Notes, save: stored, then available.
        for c in "Explained the roaming charge".chars() {
            update(
                &mut s,
                Action::FormKey(crossterm::event::KeyEvent::new(
                    KeyCode::Char(c),
                    crossterm::event::KeyModifiers::NONE,
                )),
            );
        }
        let fx = cmd(&mut s, Command::Save);
        let [Effect::Enqueue { tag, request }] = &fx[..] else {
            panic!("{fx:?}")
        };
        assert_eq!(request.body["reason"], "Billing query");
        // Bound to the call, and timed by it (not by the save).
        assert_eq!(request.body["call_id"], 7001);
        assert_eq!(request.body["customer_id"], 12345);
        let at =
            |v: &serde_json::Value| serde_json::from_value::<DateTime<Utc>>(v.clone()).unwrap();
        assert_eq!(
            at(&request.body["started_at"]),
            fixtures::call(true).answered_at.unwrap()
        );
        assert_eq!(at(&request.body["ended_at"]), fixtures::now());
        let entry = crate::outbox::Entry {
            seq: 1,
            key: "k".into(),
            queued_at: fixtures::now(),
            request: (**request).clone(),
        };
        let fx = update(
            &mut s,
            Action::Queued {
                tag: *tag,
                entry: Box::new(entry),
                queued: 1,
            },
        );
        // The server ends the after-call work when the wrap-up reaches it
        // (its state event says available): nothing is asked here.
        assert!(
            !fx.iter()
                .any(|f| matches!(f, Effect::Queues(QueuesEffect::SetState { .. }))),
            "{fx:?}"
        );
        assert!(s.calls.wrap.is_none());
    }

    /// Mei on the customer screen of Jane (12345), available, when `call`
    /// comes.
    fn on_jane_then(call: Call) -> AppState {
        let mut s = fixtures::state_with_customer(fixtures::customer_view());
        let id = s.fresh_id();
        s.calls.request = id;
        queues(
            &mut s,
            QueuesAction::StateLoaded(id, Ok(fixtures::status(AgentState::Available, 5, None))),
        );
        s.calls.queues = fixtures::desk().queues;
        loaded(&mut s, fixtures::status(AgentState::OnCall, 0, Some(call)));
        s
    }

    /// Mei's status as read from the server.
    fn loaded(s: &mut AppState, st: AgentStatus) -> Vec<Effect> {
        let id = s.fresh_id();
        s.calls.request = id;
        queues(s, QueuesAction::StateLoaded(id, Ok(st)))
    }

    fn end_it(s: &mut AppState) {
        let mut ended = s.calls.call().unwrap().clone();
        ended.status = rapport_api::CallStatus::WrapUp;
        ended.ended_at = Some(fixtures::now());
        let mut st = fixtures::status(AgentState::AfterCallWork, 0, Some(ended));
        st.since = fixtures::now() + chrono::Duration::milliseconds(1);
        loaded(s, st);
    }

    /// Open customer `id` as `name` and read their view.
    fn open_and_read(s: &mut AppState, id: i64, name: &str) -> Vec<Effect> {
        let fx = super::super::update::open_customer(s, id, name.into());
        assert!(opens(&fx, id), "{fx:?}");
        let request = s.customer.as_ref().unwrap().request;
        let mut v = fixtures::customer_view();
        v.profile.id = id;
        v.profile.display_name = name.into();
        update(s, Action::ViewDone(request, Ok(Box::new(v))))
    }

    #[test]
    fn an_unknown_callers_wrap_up_is_never_the_customer_on_screen() {
        let mut call = fixtures::call(false);
        call.caller = "anonymous".into();
        let mut s = on_jane_then(call);
        assert_eq!(s.screen, Screen::Search);
        // Back to Jane's record (she is still loaded), then the call ends.
        s.screen = Screen::Customer;
        end_it(&mut s);
        assert!(s.form.is_none(), "no form on Jane for this call");
        assert_eq!(s.screen, Screen::Search);
        let n = &s.notice.as_ref().unwrap().0;
        assert!(n.contains("not identified") && !n.contains("Jane"), "{n}");
        cmd(&mut s, Command::WrapUp);
        assert!(s.form.is_none());
        assert!(s.notice.as_ref().unwrap().0.contains("not identified"));
        // The agent finds the caller and opens them: the wrap-up is theirs.
        open_and_read(&mut s, 30007, "Chidi Okafor");
        let form = s.form.as_ref().expect("the wrap-up opens for the caller");
        assert_eq!(form.customer_id, 30007);
        assert_eq!(form.context.wrap.map(|w| w.call_id), Some(7001));
        assert!(
            form.context
                .call
                .as_deref()
                .unwrap()
                .contains("Wrap-up of the call from anonymous")
        );
    }

    #[test]
    fn several_customers_opened_during_the_call_ask_which() {
        let mut s = on_jane_then(fixtures::call(true));
        // During the call the agent also opens Erik (a relative, say).
        open_and_read(&mut s, 30010, "Erik Lindqvist");
        assert!(s.form.is_none(), "no wrap-up during the call");
        end_it(&mut s);
        assert!(s.form.is_none(), "nothing is guessed");
        assert_eq!(s.calls.chooser, Some(0));
        let names: Vec<_> = candidates(&s).into_iter().map(|(id, _)| id).collect();
        assert_eq!(names, vec![12345, 30010], "the call's customer first");
        // 2 picks Erik: his record is on screen already, so the form opens.
        let k = Keymap::default();
        let two = crossterm::event::KeyEvent::new(
            KeyCode::Char('2'),
            crossterm::event::KeyModifiers::NONE,
        );
        let a = modal_key(&s, &k, &two).unwrap();
        update(&mut s, a);
        assert_eq!(s.calls.chooser, None);
        let form = s.form.as_ref().expect("the wrap-up for the one chosen");
        assert_eq!(form.customer_id, 30010);
        // Esc on the form and F7 again: the same customer, no chooser.
        cmd(&mut s, Command::Back);
        assert!(s.form.is_none());
        cmd(&mut s, Command::WrapUp);
        assert_eq!(s.form.as_ref().map(|f| f.customer_id), Some(30010));
    }

    #[test]
    fn the_call_s_customer_is_read_when_another_is_on_screen() {
        // The call's customer is Jane; after the pop the agent went to the
        // search screen and the loaded record is someone else's when the
        // call ends: Jane is opened for the wrap-up, and its form follows.
        let mut s = on_jane_then(fixtures::call(true));
        let mut other = fixtures::customer_view();
        other.profile.id = 999;
        s.customer.as_mut().unwrap().id = 999;
        s.customer.as_mut().unwrap().view = Load::Loaded(other);
        end_it(&mut s);
        assert!(s.form.is_none());
        let request = s.customer.as_ref().unwrap().request;
        assert_eq!(s.customer.as_ref().unwrap().id, 12345);
        update(
            &mut s,
            Action::ViewDone(request, Ok(Box::new(fixtures::customer_view()))),
        );
        assert_eq!(s.form.as_ref().map(|f| f.customer_id), Some(12345));
    }

    #[test]
    fn the_state_picker_sets_a_state() {
        let mut s = fixtures::state_agent_in(AgentState::Offline, 600, None);
        assert!(cmd(&mut s, Command::AgentState).is_empty());
        assert_eq!(s.calls.picker, Some(2), "on the current state");
        let key = |c| crossterm::event::KeyEvent::new(c, crossterm::event::KeyModifiers::NONE);
        let k = Keymap::default();
        // Letters choose in the picker (they would type in the search box).
        let a = modal_key(&s, &k, &key(KeyCode::Char('a'))).unwrap();
        let fx = update(&mut s, a);
        assert!(
            matches!(
                fx[..],
                [Effect::Queues(QueuesEffect::SetState {
                    state: AgentState::Available,
                    ..
                })]
            ),
            "{fx:?}"
        );
        assert_eq!(s.calls.picker, None);
        // Esc closes it without a change; F1 still opens help.
        cmd(&mut s, Command::AgentState);
        let esc = modal_key(&s, &k, &key(KeyCode::Esc)).unwrap();
        assert_eq!(esc, Action::Command(Command::Back));
        assert!(update(&mut s, esc).is_empty());
        assert_eq!(s.calls.picker, None);
        assert_eq!(s.screen, Screen::Search);
        // On a call the state waits for the call's end.
        let mut s = fixtures::state_agent_in(AgentState::OnCall, 10, Some(fixtures::call(true)));
        cmd(&mut s, Command::AgentState);
        assert_eq!(s.calls.picker, None);
        assert!(s.notice.as_ref().unwrap().0.contains("end it first"));
    }

    #[test]
    fn an_agent_who_serves_no_queue_is_told_so() {
        let mut s = fixtures::state_agent_in(AgentState::Offline, 600, None);
        assert!(!serves_no_queue(&s), "Mei serves queues 1 and 2");
        s.calls.status.as_mut().unwrap().queues.clear();
        cmd(&mut s, Command::AgentState);
        let k = Keymap::default();
        let a = crossterm::event::KeyEvent::new(
            KeyCode::Char('a'),
            crossterm::event::KeyModifiers::NONE,
        );
        let a = modal_key(&s, &k, &a).unwrap();
        let fx = update(&mut s, a);
        assert!(
            matches!(
                fx[..],
                [Effect::Queues(QueuesEffect::SetState {
                    state: AgentState::Available,
                    ..
                })]
            ),
            "still set: {fx:?}"
        );
        assert_eq!(s.notice.as_ref().unwrap().0, NO_QUEUE);
        // The status bar says it while they are available.
        let mut st = s.calls.status.clone().unwrap();
        st.state = AgentState::Available;
        st.since = fixtures::now() - chrono::Duration::minutes(3);
        s.calls.status = Some(st);
        assert_eq!(
            crate::ui::calls::state_words(&s).unwrap(),
            "● available 3m · no queue, no calls"
        );
        // Break: no word (they take no calls anyway).
        s.calls.status.as_mut().unwrap().state = AgentState::Break;
        assert!(!crate::ui::calls::state_words(&s).unwrap().contains("queue"));
    }

    #[test]
    fn the_clock_ticks_by_the_second_on_a_call_only() {
        let s = fixtures::state_agent_in(AgentState::Available, 65, None);
        assert_eq!(next_change(&s), Some(55));
        let s = fixtures::state_agent_in(AgentState::Offline, 65, None);
        assert_eq!(next_change(&s), None, "offline and idle: no wake-ups");
        let s = fixtures::state_agent_in(AgentState::OnCall, 65, Some(fixtures::call(true)));
        assert_eq!(next_change(&s), Some(1));
        assert_eq!(
            clock(
                fixtures::now() - chrono::Duration::seconds(3732),
                fixtures::now()
            ),
            "1:02:12"
        );
    }
}
